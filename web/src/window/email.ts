// E-mail the families of the checked entries: "You will see the number of
// selected families at the top of the window. When you are done entering the
// body of the email, click send."
import { userErrorText, type UserError } from "../lib/api";
import { h, replace } from "../lib/dom";
import { plural } from "../lib/format";
import { lockLost } from "../lib/lock";
import { EMAIL_FAMILIES } from "../lib/queries";
import { selectionInput, type Selection, type WindowContext } from "./context";
import { openDialog } from "./dialog";

/**
 * The Email Variables help box. Today's API documents them on
 * `EmailFamiliesInput.body`; a query listing them (issue 9) will replace this
 * list: load it in `emailVariables` and nothing else changes.
 */
const VARIABLES: [string, string][] = [
  ["{{family_name}}", "the family's name"],
  ["{{student_names}}", "the names of the family's students in the selected entries"],
  ["{{location}}", "the entry's location"],
  ["{{organisation_name}}", "your organisation's name"],
];

function emailVariables(): Promise<[string, string][]> {
  return Promise.resolve(VARIABLES);
}

const SKIP_REASONS: Record<string, string> = {
  OPTED_OUT: "opted out of email blasts",
  SUSPENDED: "the family is suspended",
  NO_EMAIL: "no e-mail address",
  DELIVERY_FAILED: "delivery failed",
};

interface EmailPayload {
  familiesSelected: number;
  sent: number;
  skipped: number;
  skippedFamilies: { reason: string; family: { id: string; name: string; email: string | null } }[];
  userErrors: UserError[];
}

/** Who the checked entries name, from what the window loaded: families, and
 * those the e-mail will skip because they opted out of email blasts. */
function selectedFamilies(selection: Selection): HTMLElement {
  if (selection.kind === "all") {
    return h(
      "p",
      { class: "selected-count", "data-testid": "families-selected" },
      `All ${plural(selection.total, "entry", "entries")} matching the filter are selected; their families are counted when you send.`,
    );
  }
  const families = new Map<string, { name: string; optedOut: boolean }>();
  for (const entry of selection.entries) {
    if (entry.family) families.set(entry.family.id, { name: entry.family.name, optedOut: !entry.family.emailOptIn });
  }
  const optedOut = [...families.values()].filter((f) => f.optedOut);
  return h(
    "div",
    { class: "selected-count" },
    h(
      "p",
      { "data-testid": "families-selected" },
      h("strong", {}, plural(families.size, "family", "families")),
      ` selected (${plural(selection.entries.length, "entry", "entries")}): `,
      [...families.values()].map((f) => f.name).join(", "),
    ),
    optedOut.length > 0 &&
      h(
        "p",
        { class: "muted" },
        `${optedOut.map((f) => f.name).join(", ")} opted out of email blasts and will not receive it.`,
      ),
  );
}

export function openEmail(selection: Selection, ctx: WindowContext): void {
  const dialog = openDialog("E-mail families", "email");
  const subject = h("input", { id: "email-subject", name: "subject", required: true, autocomplete: "off" });
  const body = h("textarea", { id: "email-body", name: "body", rows: 8, required: true });
  const message = h("p", { class: "form-error", role: "alert" });
  const result = h("div", { class: "email-result", role: "status" });
  const insert = (variable: string): void => {
    const start = body.selectionStart ?? body.value.length;
    const end = body.selectionEnd ?? start;
    body.setRangeText(variable, start, end, "end");
    body.focus();
  };
  const help = h("aside", { class: "variables", "aria-labelledby": "variables-title" }, h("h3", { id: "variables-title" }, "Email Variables"));
  void emailVariables().then((variables) =>
    help.append(
      h("p", { class: "muted" }, "Insert one to customise the e-mail for each family:"),
      h(
        "ul",
        {},
        variables.map(([name, meaning]) =>
          h(
            "li",
            {},
            h("button", { type: "button", class: "link code", onclick: () => insert(name), "aria-label": `Insert ${name}: ${meaning}` }, name),
            ` ${meaning}`,
          ),
        ),
      ),
    ),
  );
  const send = h("button", { type: "submit", class: "primary", disabled: !ctx.lock.held }, "Send");
  const form = h(
    "form",
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        message.textContent = "";
        send.disabled = true;
        try {
          const data = await ctx.api.request<{ emailFamilies: EmailPayload }>(EMAIL_FAMILIES, {
            input: { ...selectionInput(selection), subject: subject.value, body: body.value, lockToken: ctx.lock.token },
          });
          const payload = data.emailFamilies;
          if (lockLost(payload.userErrors)) ctx.lock.markLost();
          const problem = userErrorText(payload.userErrors);
          if (problem) {
            message.textContent = problem;
            send.disabled = !ctx.lock.held;
            return;
          }
          replace(
            result,
            h(
              "p",
              { "data-testid": "email-summary" },
              `Sent to ${plural(payload.sent, "family", "families")} of ${payload.familiesSelected} selected; ${payload.skipped} skipped.`,
            ),
            payload.skippedFamilies.length > 0 &&
              h(
                "ul",
                { class: "skipped" },
                payload.skippedFamilies.map((s) =>
                  h("li", {}, h("strong", {}, s.family.name), `: ${SKIP_REASONS[s.reason] ?? s.reason}`),
                ),
              ),
          );
          form.hidden = true;
          closeButton.focus();
        } catch (error) {
          message.textContent = error instanceof Error ? error.message : String(error);
          send.disabled = !ctx.lock.held;
        }
      },
    },
    h("div", { class: "field" }, h("label", { for: "email-subject" }, "Subject"), subject),
    h("div", { class: "field" }, h("label", { for: "email-body" }, "Body"), body),
    help,
    message,
    h("div", { class: "dialog-actions" }, send),
  );
  const closeButton = h("button", { type: "button", onclick: () => dialog.close() }, "Close");
  replace(dialog.body, selectedFamilies(selection), form, result, h("div", { class: "dialog-actions" }, closeButton));
  subject.focus();
}
