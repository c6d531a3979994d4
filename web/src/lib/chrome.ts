// What the window and the widget share: the lock bar and the footer badge.
import type { Client } from "graphql-ws";
import type { Api } from "./api";
import { h, replace } from "./dom";
import { formatInstant } from "./format";
import { subscribe } from "./live";
import { EditLock, surfaceName } from "./lock";
import { BADGE, BADGE_LIVE } from "./queries";
import type { Badge } from "./types";

/** The bar that says whether this surface may edit, and offers "take over". */
export function renderLockBar(bar: HTMLElement, lock: EditLock, canAct: boolean): void {
  bar.className = "lock-bar";
  if (!canAct) {
    replace(bar, h("span", {}, "View only: your permissions do not allow processing entries."));
    bar.classList.add("lock-view-only");
    return;
  }
  const holder = lock.holder;
  const who = holder ? `${holder.holderName} has Online Activity open in ${surfaceName(holder.surface)}` : "";
  const until = holder?.expiresAt ? ` (until ${formatInstant(holder.expiresAt)})` : "";
  const takeOver = h(
    "button",
    { type: "button", class: "take-over", onclick: () => void lock.acquire(true) },
    "Take over",
  );
  switch (lock.phase) {
    case "acquiring":
      replace(bar, "Opening for editing…");
      break;
    case "held":
      bar.classList.add("lock-held");
      replace(bar, h("span", {}, `You are editing in ${surfaceName(lock.surface)}.`));
      break;
    case "refused":
      bar.classList.add("lock-refused");
      replace(
        bar,
        h("span", {}, `${who}${until}. Only the window or the widget can be open for editing at a time.`),
        takeOver,
      );
      break;
    case "lost":
      bar.classList.add("lock-lost");
      replace(
        bar,
        h(
          "span",
          {},
          holder
            ? `Editing moved: ${who}. This ${lock.surface === "WINDOW" ? "window" : "widget"} is read-only now.`
            : "Your editing session ended. This page is read-only now.",
        ),
        takeOver,
      );
      takeOver.textContent = "Take back";
      break;
  }
}

/** The red number on the Online Activity icon; no red area at zero. */
export function startBadge(api: Api, live: Client, target: HTMLElement, onBadge?: (b: Badge) => void): void {
  const show = (badge: Badge): void => {
    target.replaceChildren();
    target.dataset.waiting = String(badge.waiting);
    if (badge.waiting > 0) {
      target.appendChild(h("span", { class: "badge-count", "data-testid": "badge-count", "aria-hidden": "true" }, String(badge.waiting)));
    }
    target.appendChild(
      h(
        "span",
        { class: "visually-hidden" },
        badge.waiting === 0 ? ": nothing waiting" : `: ${badge.waiting} waiting, ${badge.pending} pending approval`,
      ),
    );
    onBadge?.(badge);
  };
  void api.request<{ activityBadge: Badge }>(BADGE).then((data) => show(data.activityBadge));
  subscribe<{ activityBadge: Badge }>(live, BADGE_LIVE, {}, { next: (data) => show(data.activityBadge) });
}
