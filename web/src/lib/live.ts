// Subscriptions over graphql-transport-ws with the standard graphql-ws client.
import { createClient, type Client } from "graphql-ws";

export type Unsubscribe = () => void;

export interface LiveHandlers<T> {
  next: (data: T) => void;
  error?: (message: string, codes: string[]) => void;
  complete?: () => void;
}

export function liveUrl(): string {
  const url = new URL("/graphql", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export type ConnectionListener = (connected: boolean) => void;

/** One websocket per page; it reconnects by itself (graphql-ws retries), and
 * tells `onConnection` when it is up or down so the page can say so. */
export function connectLive(token: string, onConnection: ConnectionListener): Client {
  return createClient({
    url: liveUrl(),
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retries, 10000)));
    },
    on: {
      connected: () => onConnection(true),
      closed: () => onConnection(false),
    },
  });
}

export function subscribe<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  handlers: LiveHandlers<T>,
): Unsubscribe {
  return client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors && result.errors.length > 0) {
          const codes = result.errors.map((e) => String(e.extensions?.code ?? ""));
          handlers.error?.(result.errors.map((e) => e.message).join("; "), codes);
          return;
        }
        if (result.data) handlers.next(result.data as T);
      },
      error: (error: unknown) => {
        if (Array.isArray(error)) {
          const errors = error as { message: string; extensions?: { code?: string } }[];
          handlers.error?.(
            errors.map((e) => e.message).join("; "),
            errors.map((e) => String(e.extensions?.code ?? "")),
          );
        } else {
          handlers.error?.(error instanceof Error ? error.message : "connection lost", []);
        }
      },
      complete: () => handlers.complete?.(),
    },
  );
}
