// The Online Activity window page ("/").
import { renderLockBar, startBadge } from "../lib/chrome";
import { byId, h, replace } from "../lib/dom";
import { connectLive } from "../lib/live";
import { EditLock } from "../lib/lock";
import { canAct, signIn, signOut } from "../lib/session";
import { WindowView } from "./view";

async function main(): Promise<void> {
  const app = byId("app");
  const session = await signIn(app, "Online Activity");
  const status = h("span", { class: "connection", role: "status" });
  const live = connectLive(session.api.token, (up) => {
    status.textContent = up ? "" : "Reconnecting live updates…";
  });
  const acting = canAct(session.me);
  const lock = new EditLock(session.api, live, "WINDOW");
  const lockBar = h("div", { id: "lock-bar", role: "status" });
  const results = h("section", { id: "results", class: "results", tabindex: "-1", "aria-labelledby": "results-title", hidden: true });
  const content = h("div", { id: "window-content" }, h("p", { class: "muted" }, "Loading the window…"));
  const badge = h("span", { class: "badge", id: "footer-badge" });
  replace(
    app,
    h(
      "header",
      { class: "top" },
      h(
        "h1",
        {},
        "Online Activity",
        h("span", { class: "org" }, ` · ${session.me.organisation.name}`),
      ),
      h(
        "div",
        { class: "who" },
        h("span", {}, `Signed in as ${session.me.name}`),
        h("a", { href: "/widget" }, "Welcome page widget"),
        h("a", { href: "/graphql" }, "GraphiQL"),
        h("button", { type: "button", class: "link", onclick: () => signOut() }, "Sign out"),
      ),
    ),
    lockBar,
    h("main", { id: "main" }, results, content),
    h(
      "footer",
      { class: "footer" },
      h("a", { href: "/", class: "footer-icon" }, "Online Activity", badge),
      status,
    ),
  );
  const view = new WindowView(session.api, live, lock, acting, content, results);
  const drawLock = (): void => renderLockBar(lockBar, lock, acting);
  lock.onChange(drawLock);
  drawLock();
  startBadge(session.api, live, badge);
  if (acting) void lock.acquire(false);
  await view.start();
}

void main();
