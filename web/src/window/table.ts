// The entries of one page: check boxes, the magnifying glass, the (x) action.
import { h, magnifier } from "../lib/dom";
import { formatInstant, STATUS_LABELS, typeLabel } from "../lib/format";
import type { Entry } from "../lib/types";

export interface TableHandlers {
  checked: Set<string>;
  allMatching: boolean;
  editable: boolean;
  canAct: boolean;
  onCheck: (id: string, checked: boolean) => void;
  onCheckAll: (checked: boolean) => void;
  onOpen: (entry: Entry) => void;
  onDismiss: (entry: Entry) => void;
}

export function renderTable(entries: Entry[], handlers: TableHandlers): HTMLElement {
  const allChecked =
    handlers.allMatching || (entries.length > 0 && entries.every((e) => handlers.checked.has(e.id)));
  const checkAll = h("input", {
    type: "checkbox",
    id: "check-all",
    checked: allChecked,
    disabled: entries.length === 0,
    "aria-label": "Check all entries matching the filter",
    onchange: (event: Event) => handlers.onCheckAll((event.target as HTMLInputElement).checked),
  });
  return h(
    "table",
    { class: "entries", "aria-describedby": "total" },
    h("caption", { class: "visually-hidden" }, "Online Activity entries"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col", class: "col-check" }, handlers.canAct ? checkAll : h("span", { class: "visually-hidden" }, "Selection")),
        h("th", { scope: "col" }, "Type"),
        h("th", { scope: "col" }, "Status"),
        h("th", { scope: "col" }, "When"),
        h("th", { scope: "col" }, "Family / student"),
        h("th", { scope: "col" }, "Details"),
        h("th", { scope: "col" }, "Location"),
        h("th", { scope: "col" }, "Notes"),
        h("th", { scope: "col" }, "Actions"),
      ),
    ),
    h(
      "tbody",
      {},
      entries.length === 0
        ? h("tr", {}, h("td", { colspan: 9, class: "empty" }, "No entries match these filters."))
        : entries.map((entry) => row(entry, handlers)),
    ),
  );
}

function clip(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function row(entry: Entry, handlers: TableHandlers): HTMLElement {
  const name = entry.studentLabel ?? entry.family?.name ?? entry.summary;
  const checked = handlers.allMatching || handlers.checked.has(entry.id);
  const dismissable = entry.availableActions.includes("DISMISS");
  return h(
    "tr",
    { "data-entry-id": entry.id, "data-type": entry.type, class: checked ? "checked" : "" },
    h(
      "td",
      { class: "col-check" },
      handlers.canAct &&
        h("input", {
          type: "checkbox",
          id: `check-${entry.id}`,
          checked,
          disabled: handlers.allMatching,
          "aria-label": `Check ${typeLabel(entry.type)}: ${name}`,
          onchange: (event: Event) => handlers.onCheck(entry.id, (event.target as HTMLInputElement).checked),
        }),
    ),
    h("td", {}, typeLabel(entry.type)),
    h("td", {}, h("span", { class: `status status-${entry.status.toLowerCase()}` }, STATUS_LABELS[entry.status])),
    h("td", { class: "when" }, h("time", { datetime: entry.occurredAt }, formatInstant(entry.occurredAt))),
    h(
      "td",
      {},
      entry.family?.name && h("div", {}, entry.family.name),
      entry.studentLabel && h("div", { class: "student" }, entry.studentLabel),
    ),
    h(
      "td",
      { class: "summary" },
      entry.summary,
      entry.notes && h("div", { class: "note-preview" }, `“${clip(entry.notes, 140)}”`),
    ),
    h("td", {}, entry.location?.name ?? h("span", { class: "muted" }, "No location")),
    h("td", {}, entry.hasNotes ? h("span", { class: "notes-flag", title: entry.notes ?? "" }, "Yes") : h("span", { class: "muted" }, "No")),
    h(
      "td",
      { class: "row-actions" },
      h(
        "button",
        {
          type: "button",
          id: `open-${entry.id}`,
          class: "icon",
          "aria-label": `Open ${typeLabel(entry.type)}: ${name}`,
          title: "Open the entry",
          onclick: () => handlers.onOpen(entry),
        },
        magnifier(),
      ),
      dismissable &&
        h(
          "button",
          {
            type: "button",
            id: `dismiss-${entry.id}`,
            class: "icon dismiss",
            "aria-label": `Dismiss ${typeLabel(entry.type)}: ${name}`,
            title: "Dismiss",
            disabled: !handlers.editable,
            onclick: () => handlers.onDismiss(entry),
          },
          "✕",
        ),
    ),
  );
}
