// The Welcome Page widget ("/widget"): the badge and the newest entries, with
// the (x) action; the window opens from it. It takes the same edit lock as
// the window: only one of them is open for editing at a time.
import type { UserError } from "../lib/api";
import { renderLockBar, startBadge } from "../lib/chrome";
import { announce, byId, h, replace } from "../lib/dom";
import { formatInstant, outcomeReason, typeLabel } from "../lib/format";
import { connectLive, subscribe } from "../lib/live";
import { EditLock, lockLost } from "../lib/lock";
import { DISMISS_MANY, ENTRY_FIELDS, EVENTS_LIVE } from "../lib/queries";
import { canAct, signIn, signOut } from "../lib/session";
import type { ActionResult, ActivityEvent, Connection, Entry } from "../lib/types";

const NEWEST = `
query Newest($first: Int) {
  onlineActivity(first: $first, order: NEWEST_FIRST) {
    __typename
    ... on ActivityConnection { totalCount sequence nodes { ...EntryFields } }
  }
}
${ENTRY_FIELDS}`;

const SHOWN = 5;

async function main(): Promise<void> {
  const app = byId("app");
  const session = await signIn(app, "Online Activity widget");
  const status = h("p", { class: "connection", role: "status" });
  const live = connectLive(session.api.token, (up) => {
    status.textContent = up ? "" : "Reconnecting live updates…";
  });
  const acting = canAct(session.me);
  const lock = new EditLock(session.api, live, "WIDGET");
  const lockBar = h("div", { id: "lock-bar", role: "status" });
  const badge = h("span", { class: "badge", id: "widget-badge" });
  const list = h("ul", { class: "widget-list", "aria-label": "Newest entries" });
  const message = h("p", { class: "form-error", role: "alert" });
  let entries: Entry[] = [];
  let total = 0;
  let seen = 0;

  const draw = (): void => {
    const editable = acting && lock.held;
    replace(
      list,
      entries.length === 0
        ? h("li", { class: "muted" }, "Nothing waiting.")
        : entries.map((entry) =>
            h(
              "li",
              { "data-entry-id": entry.id },
              h(
                "div",
                { class: "widget-entry" },
                h("span", { class: `status status-${entry.status.toLowerCase()}` }, typeLabel(entry.type)),
                h("span", { class: "summary" }, entry.summary),
                h("time", { datetime: entry.occurredAt, class: "muted" }, formatInstant(entry.occurredAt)),
              ),
              entry.availableActions.includes("DISMISS") &&
                h(
                  "button",
                  {
                    type: "button",
                    class: "icon dismiss",
                    disabled: !editable,
                    "aria-label": `Dismiss ${typeLabel(entry.type)}: ${entry.summary}`,
                    onclick: () => void dismiss(entry),
                  },
                  "✕",
                ),
            ),
          ),
    );
    more.textContent = total > entries.length ? `${total - entries.length} more in the window` : "";
  };

  const load = async (): Promise<void> => {
    const data = await session.api.request<{ onlineActivity: Connection }>(NEWEST, { first: SHOWN });
    entries = data.onlineActivity.nodes;
    total = data.onlineActivity.totalCount;
    seen = Math.max(seen, data.onlineActivity.sequence);
    draw();
  };

  const dismiss = async (entry: Entry): Promise<void> => {
    const data = await session.api.request<{ dismissActivities: { results: ActionResult[]; userErrors: UserError[] } }>(
      DISMISS_MANY,
      { input: { ids: [entry.id], lockToken: lock.token } },
    );
    const payload = data.dismissActivities;
    if (lockLost(payload.userErrors)) lock.markLost();
    const result = payload.results[0];
    message.textContent =
      payload.userErrors.map((e) => e.message).join(" ") ||
      (result && result.outcome !== "DISMISSED" ? outcomeReason(result.code, result.message) : "");
    if (result?.outcome === "DISMISSED") announce(`Dismissed ${entry.summary}`);
    await load();
  };

  const more = h("p", { class: "muted" });
  replace(
    app,
    h(
      "section",
      { class: "widget", "aria-labelledby": "widget-title" },
      h(
        "header",
        { class: "widget-head" },
        h("h1", { id: "widget-title" }, "Online Activity", badge),
        h("button", { type: "button", class: "link", onclick: () => signOut() }, "Sign out"),
      ),
      lockBar,
      h("main", {}, list, more, message, status),
      h("a", { href: "/", class: "open-window" }, "Open the Online Activity window"),
    ),
  );
  const drawLock = (): void => {
    renderLockBar(lockBar, lock, acting);
    draw();
  };
  lock.onChange(drawLock);
  drawLock();
  startBadge(session.api, live, badge);
  if (acting) void lock.acquire(false);
  await load();
  subscribe<{ activityEvents: ActivityEvent }>(live, EVENTS_LIVE, { filter: null, after: seen }, {
    next: ({ activityEvents: event }) => {
      if (event.sequence <= seen) return;
      seen = event.sequence;
      void load();
    },
  });
}

void main();
