// What the window's parts (table, detail view, e-mail) share.
import type { Api, UserError } from "../lib/api";
import { typeLabel } from "../lib/format";
import type { EditLock } from "../lib/lock";
import type { ActionResult, Entry, WindowFilter } from "../lib/types";

/** The checked entries, or everything matching the filter (check-all). */
export type Selection =
  | { kind: "ids"; entries: Entry[] }
  | { kind: "all"; filter: WindowFilter; watermark: number; total: number };

export interface WindowContext {
  api: Api;
  lock: EditLock;
  canAct: boolean;
  /** Read the current page again (after an action). */
  reload: () => Promise<void>;
  /** Show what an action did, item by item, and what the server refused. */
  report: (title: string, results: ActionResult[], errors?: UserError[]) => void;
  /** An entry changed (e.g. an order was reviewed): show it as it is now. */
  updated: (entry: Entry) => void;
}

/** The `ids` / `all` + `watermark` part of a mass action's input. */
export function selectionInput(selection: Selection): Record<string, unknown> {
  if (selection.kind === "ids") return { ids: selection.entries.map((e) => e.id) };
  return { all: filterInput(selection.filter), watermark: selection.watermark };
}

export function filterInput(filter: WindowFilter): Record<string, unknown> {
  const input: Record<string, unknown> = { hasNotes: filter.hasNotes, status: filter.status };
  if (filter.types) input.types = filter.types;
  if (filter.location) input.location = filter.location;
  return input;
}

/** "Drop — Ben Lee (TRIAL)": an entry named in results and dialogs. */
export function entryLabel(entry: Entry): string {
  const who = entry.studentLabel ?? entry.family?.name;
  return who ? `${typeLabel(entry.type)} — ${who}` : entry.summary;
}
