// The per-item results of an action: which entries failed and why.
import type { UserError } from "../lib/api";
import { h, replace } from "../lib/dom";
import { outcomeReason, plural } from "../lib/format";
import type { ActionResult, Entry } from "../lib/types";
import { entryLabel } from "./context";

const DONE: Record<string, string> = { APPROVED: "approved", DENIED: "denied", DISMISSED: "dismissed" };

export function renderResults(
  panel: HTMLElement,
  title: string,
  results: ActionResult[],
  known: Map<string, Entry>,
  errors: UserError[] = [],
): void {
  panel.hidden = false;
  const done = results.filter((r) => DONE[r.outcome]);
  const problems = results.filter((r) => !DONE[r.outcome]);
  const label = (result: ActionResult): string => {
    const entry = result.entry ?? known.get(result.id);
    return entry ? entryLabel(entry) : "An entry no longer in the window";
  };
  const verb = done[0] ? DONE[done[0].outcome] : "processed";
  replace(
    panel,
    h(
      "div",
      { class: "results-head" },
      h("h2", { id: "results-title" }, title),
      h(
        "button",
        { type: "button", class: "link", onclick: () => (panel.hidden = true), "aria-label": "Close the results" },
        "Close",
      ),
    ),
    errors.length > 0 && h("p", { class: "form-error", role: "alert" }, errors.map((e) => e.message).join(" ")),
    results.length > 0 &&
      h(
        "p",
        { "data-testid": "results-summary" },
        `${plural(done.length, "entry", "entries")} ${verb}` +
          (problems.length > 0 ? `, ${problems.length} not: see below.` : "."),
      ),
    problems.length > 0 &&
      h(
        "ul",
        { class: "problems" },
        problems.map((result) =>
          h(
            "li",
            { class: `outcome-${result.outcome.toLowerCase()}`, "data-code": result.code ?? "" },
            h("strong", {}, label(result)),
            ": ",
            outcomeReason(result.code, result.message),
            result.outcome === "SKIPPED" ? " (skipped)" : "",
          ),
        ),
      ),
  );
  panel.focus();
}
