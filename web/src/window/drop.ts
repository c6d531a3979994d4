// A drop request's review: the school's criteria it misses ("such as Drop
// requests including a valid Drop Reason and/or that they are within any
// specified time frame [e.g., requiring 30 days notice of an intended drop,
// etc.]"). The server says which it misses (`missedCriteria`); staff judge:
// approving needs each one accepted explicitly (`acceptCriteria`, audited).
import { h } from "../lib/dom";
import { formatDate } from "../lib/format";
import type { DropCriterion, Entry } from "../lib/types";

export function dropCriteria(
  entry: Entry,
  canApprove: boolean,
): { element: HTMLElement; input: () => Record<string, unknown> } {
  const missed = entry.missedCriteria ?? [];
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
            boxes.set(item.criterion, box);
            return h(
              "li",
              { "data-code": item.code },
              h("span", {}, item.message),
              canApprove &&
                h("div", { class: "field check" }, box, h("label", { for: id }, "Approve anyway: I accept this")),
            );
          }),
        ),
  );
  return {
    element,
    input: () => ({
      acceptCriteria: [...boxes].filter(([, box]) => box.checked).map(([criterion]) => criterion),
    }),
  };
}
