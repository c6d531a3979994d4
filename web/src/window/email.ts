// E-mail the families of the checked entries: "You will see the number of
// selected families at the top of the window. When you are done entering the
// body of the email, click send." `emailPreview` says who it reaches (and who
// is skipped and why) and renders it for one family, sending nothing.
import { userErrorText, type UserError } from "../lib/api";
import { h, replace } from "../lib/dom";
import { plural } from "../lib/format";
import { lockLost } from "../lib/lock";
import { EMAIL_FAMILIES, EMAIL_PREVIEW, EMAIL_VARIABLES } from "../lib/queries";
import { selectionInput, type Selection, type WindowContext } from "./context";
import { openDialog } from "./dialog";

const SKIP_REASONS: Record<string, string> = {
  OPTED_OUT: "opted out of email blasts",
  SUSPENDED: "the family is suspended",
  NO_EMAIL: "no e-mail address",
  DELIVERY_FAILED: "delivery failed",
};

// Who the selection reaches does not depend on the words: before anything is
// typed, the preview is asked with this neutral template, for the counts only.
const COUNTING = { subject: "Online Activity", body: "{{family_name}}" };

interface Skipped {
  reason: string;
  family: { id: string; name: string; email: string | null };
}

interface EmailPayload {
  familiesSelected: number;
  sent: number;
  skipped: number;
  skippedFamilies: Skipped[];
  userErrors: UserError[];
}

interface Preview {
  __typename: "EmailPreview";
  familiesSelected: number;
  recipients: { to: string; family: { id: string; name: string } }[];
  skippedFamilies: Skipped[];
  sample: { to: string; subject: string; body: string; family: { name: string } } | null;
}

type PreviewResult = Preview | { __typename: "InvalidArguments"; userErrors: UserError[] };

interface Variable {
  name: string;
  placeholder: string;
  description: string;
  example: string;
}

function skippedList(skipped: Skipped[]): HTMLElement | false {
  return (
    skipped.length > 0 &&
    h(
      "ul",
      { class: "skipped" },
      skipped.map((s) => h("li", {}, h("strong", {}, s.family.name), `: ${SKIP_REASONS[s.reason] ?? s.reason}`)),
    )
  );
}

export function openEmail(selection: Selection, ctx: WindowContext): void {
  const dialog = openDialog("E-mail families", "email");
  const subject = h("input", { id: "email-subject", name: "subject", required: true, autocomplete: "off" });
  const body = h("textarea", { id: "email-body", name: "body", rows: 8, required: true });
  const message = h("p", { class: "form-error", role: "alert" });
  const result = h("div", { class: "email-result", role: "status" });
  const selected = h("div", { class: "selected-count", "aria-live": "polite" }, h("p", { class: "muted" }, "Counting the selected families…"));
  const sample = h("section", { class: "sample", "aria-label": "Preview for one family", hidden: true });

  const preview = async (words: { subject: string; body: string }): Promise<Preview | null> => {
    const data = await ctx.api.request<{ emailPreview: PreviewResult }>(EMAIL_PREVIEW, {
      input: { ...selectionInput(selection), ...words },
    });
    const answer = data.emailPreview;
    if (answer.__typename === "InvalidArguments") {
      message.textContent = userErrorText(answer.userErrors) ?? "The preview was refused.";
      return null;
    }
    return answer;
  };

  // The number of selected families at the top, and who will not receive it.
  const showCounts = (found: Preview): void => {
    replace(
      selected,
      h(
        "p",
        { "data-testid": "families-selected" },
        h("strong", {}, plural(found.familiesSelected, "family", "families")),
        " selected",
        selection.kind === "ids" ? ` (${plural(selection.entries.length, "entry", "entries")})` : " (all entries matching the filter)",
        `: ${plural(found.recipients.length, "family", "families")} will receive it.`,
      ),
      found.skippedFamilies.length > 0 && h("p", { class: "muted" }, "Not sent to:"),
      skippedList(found.skippedFamilies),
    );
  };
  void preview(COUNTING)
    .then((found) => found && showCounts(found))
    .catch((error: unknown) => {
      message.textContent = error instanceof Error ? error.message : String(error);
    });

  const insert = (variable: string): void => {
    const start = body.selectionStart ?? body.value.length;
    const end = body.selectionEnd ?? start;
    body.setRangeText(variable, start, end, "end");
    body.focus();
  };
  const help = h("aside", { class: "variables", "aria-labelledby": "variables-title" }, h("h3", { id: "variables-title" }, "Email Variables"));
  void ctx.api.request<{ emailVariables: Variable[] }>(EMAIL_VARIABLES).then((data) =>
    help.append(
      h("p", { class: "muted" }, "Insert one to customise the e-mail for each family:"),
      h(
        "ul",
        {},
        data.emailVariables.map((v) =>
          h(
            "li",
            {},
            h(
              "button",
              { type: "button", class: "link code", onclick: () => insert(v.placeholder), "aria-label": `Insert ${v.placeholder}: ${v.description}` },
              v.placeholder,
            ),
            ` ${v.description.replace(/\.$/, "")}, e.g. ${v.example}`,
          ),
        ),
      ),
    ),
  );

  const previewButton = h(
    "button",
    {
      type: "button",
      onclick: async () => {
        message.textContent = "";
        if (!subject.value.trim() || !body.value.trim()) {
          message.textContent = "Write a subject and a body to preview the e-mail.";
          return;
        }
        const found = await preview({ subject: subject.value, body: body.value });
        if (!found) return;
        showCounts(found);
        sample.hidden = false;
        replace(
          sample,
          h("h3", {}, found.sample ? `Preview for ${found.sample.family.name} <${found.sample.to}>` : "Preview"),
          found.sample
            ? [h("p", { class: "sample-subject" }, h("strong", {}, "Subject: "), found.sample.subject), h("pre", { class: "sample-body" }, found.sample.body)]
            : h("p", { class: "muted" }, "Nobody would receive this e-mail."),
        );
      },
    },
    "Preview for one family",
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
            skippedList(payload.skippedFamilies),
          );
          form.hidden = true;
          sample.hidden = true;
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
    h("div", { class: "dialog-actions" }, previewButton, send),
  );
  const closeButton = h("button", { type: "button", onclick: () => dialog.close() }, "Close");
  replace(dialog.body, selected, form, sample, result, h("div", { class: "dialog-actions" }, closeButton));
  subject.focus();
}
