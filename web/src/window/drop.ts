// A drop request's review: the criteria it misses ("such as Drop requests
// including a valid Drop Reason and/or that they are within any specified
// time frame [e.g., requiring 30 days notice of an intended drop, etc.]").
//
// Today's API says whether the notice period is met (`meetsNoticePeriod`,
// `noticeDays`) and gives the reason; it refuses to approve a drop that
// misses the notice (NOTICE_PERIOD_NOT_MET). The audited acknowledgement
// (`acceptCriteria` on approve, issue 9) is not in the API yet: when it
// lands, add its checkbox here and return it from `input()`; nothing else in
// the window needs to change.
import { h } from "../lib/dom";
import type { Entry } from "../lib/types";

export function dropCriteria(entry: Entry): { element: HTMLElement; input: () => Record<string, unknown> } {
  const missed: string[] = [];
  if (!entry.dropReason) missed.push("No drop reason was given.");
  if (entry.meetsNoticePeriod === false) {
    missed.push(`The drop date does not give the required ${entry.noticeDays ?? ""} days of notice.`);
  }
  const element = h(
    "section",
    { class: "drop-criteria", "aria-label": "Drop criteria" },
    h("h3", {}, "Drop criteria"),
    missed.length === 0
      ? h("p", { class: "ok" }, `Has a reason and gives the ${entry.noticeDays ?? ""} days of notice required.`)
      : h("ul", { class: "missed" }, missed.map((text) => h("li", {}, text))),
  );
  return { element, input: () => ({}) };
}
