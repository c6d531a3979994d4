// The edit lock: "only the window or the widget is accessible at any given
// time, and not both". The surface takes the staff member's lock when it
// opens; while another surface holds it, this one shows who and offers
// "take over"; a take-over is heard live and disables this surface.
import type { Client } from "graphql-ws";
import { Api, type UserError } from "./api";
import { subscribe, type Unsubscribe } from "./live";
import { ACQUIRE_LOCK, LOCK_LIVE, RELEASE_LOCK, RENEW_LOCK } from "./queries";
import type { LockState, Surface } from "./types";

export type LockPhase = "acquiring" | "held" | "refused" | "lost";

interface Lease {
  token: string;
  surface: Surface;
  expiresAt: string;
}

interface AcquirePayload {
  acquireEditLock: {
    lease: Lease | null;
    heldBy: Omit<LockState, "yours"> | null;
    userErrors: UserError[];
  };
}

const SURFACE_NAMES: Record<Surface, string> = { WINDOW: "the window", WIDGET: "the widget" };

export function surfaceName(surface: Surface | null): string {
  return surface ? SURFACE_NAMES[surface] : "another surface";
}

export class EditLock {
  phase: LockPhase = "acquiring";
  /** Who holds it when this surface does not. */
  holder: Omit<LockState, "yours"> | null = null;
  private lease: Lease | null = null;
  private watching: Unsubscribe | null = null;
  private heartbeat: number | null = null;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly api: Api,
    private readonly live: Client,
    readonly surface: Surface,
  ) {
    window.addEventListener("pagehide", () => this.release());
  }

  get token(): string | null {
    return this.phase === "held" ? (this.lease?.token ?? null) : null;
  }

  get held(): boolean {
    return this.phase === "held";
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  async acquire(takeOver = false): Promise<void> {
    this.phase = "acquiring";
    this.changed();
    const data = await this.api.request<AcquirePayload>(ACQUIRE_LOCK, {
      input: { surface: this.surface, takeOver },
    });
    const payload = data.acquireEditLock;
    if (payload.lease) {
      this.lease = payload.lease;
      this.holder = null;
      this.phase = "held";
      this.watch(payload.lease.token);
      this.startHeartbeat();
    } else {
      this.lease = null;
      this.holder = payload.heldBy;
      this.phase = "refused";
      this.watch(null);
    }
    this.changed();
  }

  /** An action was refused LOCK_LOST / LOCK_REQUIRED: someone took over. */
  markLost(): void {
    if (this.phase !== "held") return;
    this.phase = "lost";
    this.stopHeartbeat();
    this.watch(null);
    this.changed();
  }

  private watch(token: string | null): void {
    this.watching?.();
    this.watching = subscribe<{ editLockState: LockState }>(
      this.live,
      LOCK_LIVE,
      { token },
      {
        next: ({ editLockState: state }) => this.heard(token, state),
      },
    );
  }

  private heard(token: string | null, state: LockState): void {
    if (token !== null) {
      if (state.yours) return;
      // Taken over (or ended): this surface may no longer act.
      this.phase = "lost";
      this.holder = state.held ? state : null;
      this.stopHeartbeat();
      this.watch(null);
      this.changed();
      return;
    }
    if (state.held) {
      this.holder = state;
      this.changed();
    } else if (this.phase === "refused" || this.phase === "lost") {
      // The other surface closed (its tab, or its lease ended): edit here now.
      void this.acquire(false);
    } else {
      this.holder = null;
      this.changed();
    }
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const lease = this.lease;
    if (!lease) return;
    const remaining = new Date(lease.expiresAt).getTime() - Date.now();
    const every = Math.max(5000, Math.min(60000, remaining / 2));
    this.heartbeat = window.setInterval(() => void this.renew(), every);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) window.clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private async renew(): Promise<void> {
    if (!this.lease || this.phase !== "held") return;
    const data = await this.api.request<{
      renewEditLock: { lease: { expiresAt: string } | null; userErrors: UserError[] };
    }>(RENEW_LOCK, { input: { token: this.lease.token } });
    if (data.renewEditLock.lease) {
      this.lease = { ...this.lease, expiresAt: data.renewEditLock.lease.expiresAt };
    } else {
      this.markLost();
    }
  }

  /** Closing the tab: end the lease at once (the socket closing ends it too). */
  release(): void {
    const token = this.token;
    this.stopHeartbeat();
    if (!token) return;
    void fetch("/graphql", {
      method: "POST",
      keepalive: true,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.api.token}` },
      body: JSON.stringify({ query: RELEASE_LOCK, variables: { input: { token } } }),
    });
  }
}

/** The user errors that mean this surface lost the lock. */
export function lockLost(errors: UserError[]): boolean {
  return errors.some((e) => e.code === "LOCK_LOST" || e.code === "LOCK_REQUIRED");
}
