// The filter bar: type, has notes, status, location, and the sort order.
import { h } from "../lib/dom";
import { activityKinds, STATUS_FILTER_LABELS } from "../lib/format";
import type { HasNotesFilter, Location, Order, StatusFilter, WindowFilter } from "../lib/types";

export const DEFAULT_FILTER: WindowFilter = { types: null, hasNotes: "BOTH", status: "ALL", location: null };

function select(
  id: string,
  label: string,
  options: [string, string][],
  value: string,
  onChange: (value: string) => void,
): HTMLElement {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h(
      "select",
      { id, name: id, onchange: (event: Event) => onChange((event.target as HTMLSelectElement).value) },
      options.map(([key, text]) => h("option", { value: key, selected: key === value }, text)),
    ),
  );
}

function locationValue(filter: WindowFilter): string {
  if (!filter.location) return "ALL";
  return "noLocation" in filter.location ? "NONE" : filter.location.locationId;
}

export function renderFilters(
  filter: WindowFilter,
  order: Order,
  locations: Location[],
  onChange: (filter: WindowFilter, order: Order) => void,
): HTMLElement {
  const update = (patch: Partial<WindowFilter>): void => onChange({ ...filter, ...patch }, order);
  return h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter entries", onsubmit: (e: Event) => e.preventDefault() },
    select(
      "filter-type",
      "Type",
      [["ALL", "All types"], ...activityKinds().map((k): [string, string] => [k.type, k.label])],
      filter.types?.[0] ?? "ALL",
      (value) => update({ types: value === "ALL" ? null : [value] }),
    ),
    select(
      "filter-notes",
      "Has notes",
      [
        ["BOTH", "Both (all)"],
        ["YES", "Yes"],
        ["NO", "No"],
      ],
      filter.hasNotes,
      (value) => update({ hasNotes: value as HasNotesFilter }),
    ),
    select(
      "filter-status",
      "Status",
      (Object.keys(STATUS_FILTER_LABELS) as StatusFilter[]).map((s): [string, string] => [s, STATUS_FILTER_LABELS[s]]),
      filter.status,
      (value) => update({ status: value as StatusFilter }),
    ),
    select(
      "filter-location",
      "Location",
      [
        ["ALL", "All"],
        ...locations.map((l): [string, string] => [l.id, l.name]),
        ["NONE", "No location"],
      ],
      locationValue(filter),
      (value) =>
        update({
          location: value === "ALL" ? null : value === "NONE" ? { noLocation: true } : { locationId: value },
        }),
    ),
    select(
      "filter-order",
      "Sort",
      [
        ["OLDEST_FIRST", "Oldest first"],
        ["NEWEST_FIRST", "Newest first"],
      ],
      order,
      (value) => onChange(filter, value as Order),
    ),
  );
}
