// Signing in: paste a staff token, or (dev mode only) pick a demo staff member.
import { Api, ApiError } from "./api";
import { h, replace } from "./dom";
import { setActivityKinds, setTimeZone } from "./format";
import { ME } from "./queries";
import type { ActivityKind, Me } from "./types";

const STORAGE_KEY = "onlineActivity.staffToken";

export interface Session {
  api: Api;
  me: Me;
}

export interface DemoStaff {
  key: string;
  label: string;
  name: string;
}

/** `#token=oas_...` in the address (what `make run` prints) signs this tab in;
 * the token then leaves the address bar so it is not bookmarked or shared. */
function tokenFromAddress(): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!match?.[1]) return null;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  return decodeURIComponent(match[1]);
}

export function storedToken(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  window.location.reload();
}

async function check(token: string): Promise<Session> {
  const api = new Api(token);
  const data = await api.request<{ me: Me; activityTypes: ActivityKind[] }>(ME);
  setTimeZone(data.me.organisation.timeZone);
  setActivityKinds(data.activityTypes);
  return { api, me: data.me };
}

/** The dev-mode picker's list; null when the server is not in dev mode. */
async function demoStaff(): Promise<DemoStaff[] | null> {
  try {
    const response = await fetch("/dev/demo-staff", { headers: { Accept: "application/json" } });
    if (!response.ok) return null;
    const body = (await response.json()) as { staff: DemoStaff[] };
    return body.staff;
  } catch {
    return null;
  }
}

async function demoToken(key: string): Promise<string> {
  const response = await fetch(`/dev/demo-staff/${encodeURIComponent(key)}/token`, {
    method: "POST",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new ApiError(`The demo sign-in failed (${response.status}).`, response.status);
  const body = (await response.json()) as { token: string };
  return body.token;
}

/** Resolve the tab's session, showing the sign-in form in `root` until a token works. */
export async function signIn(root: HTMLElement, title: string): Promise<Session> {
  const candidate = tokenFromAddress() ?? storedToken();
  if (candidate) {
    try {
      const session = await check(candidate);
      sessionStorage.setItem(STORAGE_KEY, candidate);
      return session;
    } catch (error) {
      sessionStorage.removeItem(STORAGE_KEY);
      if (!(error instanceof ApiError)) throw error;
    }
  }
  return new Promise<Session>((resolve) => {
    const message = h("p", { class: "form-error", role: "alert" });
    const input = h("input", {
      id: "token",
      name: "token",
      type: "password",
      autocomplete: "off",
      spellcheck: "false",
      required: true,
      placeholder: "oas_...",
    });
    const accept = async (token: string): Promise<void> => {
      message.textContent = "";
      try {
        const session = await check(token.trim());
        sessionStorage.setItem(STORAGE_KEY, token.trim());
        resolve(session);
      } catch (error) {
        message.textContent =
          error instanceof ApiError && error.unauthenticated
            ? "This token is not valid (tokens of earlier runs no longer work)."
            : `Sign-in failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    };
    const form = h(
      "form",
      {
        class: "sign-in",
        "aria-labelledby": "sign-in-title",
        onsubmit: (event: Event) => {
          event.preventDefault();
          void accept(input.value);
        },
      },
      h("h1", { id: "sign-in-title" }, title),
      h("p", {}, "Sign in with your staff token (the server operator issues it)."),
      h("label", { for: "token" }, "Staff token"),
      input,
      h("button", { type: "submit", class: "primary" }, "Sign in"),
      message,
    );
    const picker = h("section", { class: "demo-picker", "aria-labelledby": "demo-title", hidden: true });
    replace(root, h("main", { class: "sign-in-page" }, form, picker));
    input.focus();
    void demoStaff().then((staff) => {
      if (!staff || staff.length === 0) return;
      picker.hidden = false;
      replace(
        picker,
        h("h2", { id: "demo-title" }, "Dev mode: sign in as a demo staff member"),
        h(
          "ul",
          {},
          staff.map((member) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  onclick: async () => {
                    try {
                      await accept(await demoToken(member.key));
                    } catch (error) {
                      message.textContent = error instanceof Error ? error.message : String(error);
                    }
                  },
                },
                `${member.name}`,
                h("span", { class: "muted" }, ` (${member.label})`),
              ),
            ),
          ),
        ),
      );
    });
  });
}

export function canAct(me: Me): boolean {
  return me.permissions.some((p) => p.task === "MANAGE_ONLINE_ACTIVITY" && p.level === "FULL");
}
