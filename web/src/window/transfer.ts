// A transfer's approval fields: "Drop Date For Previous Class" and the enrollment type.
import { h } from "../lib/dom";
import { formatDate } from "../lib/format";
import type { Entry } from "../lib/types";

const TYPES = ["STANDARD", "TRIAL", "MAKEUP", "WAITLIST"] as const;

export function transferFields(entry: Entry): { element: HTMLElement; input: () => Record<string, unknown> } {
  // "This field will auto-populate with the day before the transfer date,
  // unless any drop date exists on the original enrollment that is prior to
  // the transfer date": the server computes it (suggestedPreviousClassDropDate).
  const dropDate = h("input", {
    type: "date",
    id: "previous-drop-date",
    name: "previousClassDropDate",
    value: entry.suggestedPreviousClassDropDate ?? "",
    "aria-describedby": "previous-drop-date-help",
  });
  const makeup = entry.enrollmentType === "MAKEUP";
  const type = h(
    "select",
    { id: "transfer-type", name: "enrollmentType", disabled: makeup, "aria-describedby": makeup ? "transfer-type-help" : null },
    TYPES.map((t) => h("option", { value: t, selected: t === (entry.enrollmentType ?? "STANDARD") }, t[0] + t.slice(1).toLowerCase())),
  );
  const element = h(
    "fieldset",
    { class: "transfer-fields" },
    h("legend", {}, "Transfer"),
    h(
      "div",
      { class: "field" },
      h("label", { for: "previous-drop-date" }, "Drop Date For Previous Class"),
      dropDate,
      h(
        "p",
        { id: "previous-drop-date-help", class: "muted" },
        entry.currentDropDate
          ? `The original enrollment has a drop date (${formatDate(entry.currentDropDate)}). Changing this date updates the original class enrollment's drop date.`
          : `The day before the transfer date (${formatDate(entry.transferDate)}). Changing it updates the original class enrollment's drop date.`,
      ),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "transfer-type" }, "Enrollment type"),
      type,
      makeup && h("p", { id: "transfer-type-help", class: "muted" }, "The type of a makeup enrollment cannot be changed."),
    ),
  );
  return {
    element,
    input: () => {
      const input: Record<string, unknown> = {};
      if (dropDate.value) input.previousClassDropDate = dropDate.value;
      if (!makeup && type.value !== (entry.enrollmentType ?? "STANDARD")) input.enrollmentType = type.value;
      return input;
    },
  };
}
