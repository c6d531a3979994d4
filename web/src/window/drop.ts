// A drop request's review: the criteria it misses ("such as Drop requests
// including a valid Drop Reason and/or that they are within any specified
// time frame [e.g., requiring 30 days notice of an intended drop, etc.]").
//
// With the school's criteria from the API (`missedCriteria`, issue 9) each
// missed one gets an "Approve anyway" box, sent as `acceptCriteria` (audited):
// staff judge, explicitly. Today's API only says whether the notice period is
// met and gives the reason, and refuses a drop that misses the notice
// (NOTICE_PERIOD_NOT_MET); the list is then worked out from those fields and
// offers nothing to accept.
import { h } from "../lib/dom";
import { formatDate } from "../lib/format";
import type { DropCriterion, Entry, MissedCriterion } from "../lib/types";

function fromTodaysFields(entry: Entry): MissedCriterion[] {
  const missed: MissedCriterion[] = [];
  if (!entry.dropReason) {
    missed.push({ criterion: "DROP_REASON", code: "DROP_REASON_REQUIRED", message: "No drop reason was given." });
  }
  if (entry.meetsNoticePeriod === false) {
    missed.push({
      criterion: "NOTICE_PERIOD",
      code: "NOTICE_PERIOD_NOT_MET",
      message: `The drop date does not give the required ${entry.noticeDays ?? ""} days of notice.`,
    });
  }
  return missed;
}

export function dropCriteria(
  entry: Entry,
  canApprove: boolean,
): { element: HTMLElement; input: () => Record<string, unknown> } {
  const fromApi = entry.missedCriteria !== undefined;
  const missed = entry.missedCriteria ?? fromTodaysFields(entry);
  const boxes = new Map<DropCriterion, HTMLInputElement>();
  const element = h(
    "section",
    { class: "drop-criteria", "aria-label": "Drop criteria" },
    h("h3", {}, "Drop criteria"),
    entry.requestedOn && h("p", { class: "muted" }, `Requested on ${formatDate(entry.requestedOn)}.`),
    missed.length === 0
      ? h("p", { class: "ok" }, "Meets the school's criteria for drop requests.")
      : h(
          "ul",
          { class: "missed" },
          missed.map((item) => {
            const id = `accept-${item.criterion.toLowerCase()}`;
            const box = h("input", { type: "checkbox", id, name: "acceptCriteria", value: item.criterion });
            if (fromApi && canApprove) boxes.set(item.criterion, box);
            return h(
              "li",
              { "data-code": item.code },
              h("span", {}, item.message),
              fromApi &&
                canApprove &&
                h("div", { class: "field check" }, box, h("label", { for: id }, "Approve anyway: I accept this")),
            );
          }),
        ),
  );
  return {
    element,
    input: () =>
      fromApi ? { acceptCriteria: [...boxes].filter(([, box]) => box.checked).map(([criterion]) => criterion) } : {},
  };
}
