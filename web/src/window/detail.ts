// An entry's detail view (the magnifying glass): its facts, and approve /
// deny / dismiss / review / suspend as its type allows.
import { userErrorText, type UserError } from "../lib/api";
import { h, magnifier, replace } from "../lib/dom";
import { formatDate, formatInstant, formatMoney, STATUS_LABELS, typeLabel } from "../lib/format";
import { lockLost } from "../lib/lock";
import { APPROVE_ONE, DENY_ONE, DISMISS_MANY, REVIEW_ORDER, SUSPEND_FAMILY } from "../lib/queries";
import type { ActionResult, Entry, OrderLine } from "../lib/types";
import type { WindowContext } from "./context";
import { openDialog } from "./dialog";
import { dropCriteria } from "./drop";
import { transferFields } from "./transfer";

/** The refusals of a drop that staff may override by accepting the criterion. */
const CRITERIA_CODES = new Set(["NOTICE_PERIOD_NOT_MET", "DROP_REASON_REQUIRED", "INVALID_DROP_REASON"]);

type Fact = [string, string | number | null | undefined | false];

function facts(entry: Entry): Fact[] {
  const common: Fact[] = [
    ["Type", typeLabel(entry.type)],
    ["Status", STATUS_LABELS[entry.status]],
    ["When", formatInstant(entry.occurredAt)],
    ["Family", entry.family ? `${entry.family.name}${entry.family.email ? ` <${entry.family.email}>` : ""}` : null],
    ["Student", entry.studentLabel],
    ["Location", entry.location?.name ?? "No location"],
  ];
  const byType: Fact[] = [
    ["Class", entry.className],
    ["From class", entry.fromClassName],
    ["To class", entry.toClassName],
    ["Transfer date", formatDate(entry.transferDate)],
    ["Current drop date", formatDate(entry.currentDropDate)],
    ["Start date", formatDate(entry.startDate)],
    ["Drop date", formatDate(entry.dropDate)],
    // A drop and a deletion request always say their reason (their fragments select it).
    ["Drop reason", entry.dropReason !== undefined ? (entry.dropReason ?? "None given") : null],
    ["Enrollment type", entry.enrollmentType],
    ["Punch pass", entry.punchPass ? "Created by redeeming a punch pass" : null],
    ["Absence date", formatDate(entry.absenceDate)],
    ["Reason", entry.reason],
    ["Appointment", entry.title],
    ["Starts", formatInstant(entry.startsAt)],
    ["Was", formatInstant(entry.previousStartsAt)],
    ["Card", entry.cardBrand ? `${entry.cardBrand} ending ${entry.cardLast4 ?? ""}` : null],
    ["Amount", formatMoney(entry.amount)],
    ["Method", entry.method],
    ["Recipient", entry.recipientName ? `${entry.recipientName}${entry.recipientEmail ? ` <${entry.recipientEmail}>` : ""}` : null],
    ["E-mail", entry.email],
    ["Party", formatInstant(entry.partyAt)],
    ["Guests", entry.guests],
    ["Package", entry.package],
    ["Policy", entry.policyName ? `${entry.policyName}: ${entry.accepted ? "accepted" : "rejected"}` : null],
    ["Order total", formatMoney(entry.total)],
    ["Deletion reason", entry.deletionReason !== undefined ? (entry.deletionReason ?? "None given") : null],
    ["Auto-approved", entry.autoApproved ? "Yes" : null],
  ];
  return [...common, ...byType].filter(([, value]) => value !== null && value !== undefined && value !== "" && value !== false);
}

function lines(items: OrderLine[]): HTMLElement {
  return h(
    "table",
    { class: "lines" },
    h("caption", {}, "Order items"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Item"), h("th", { scope: "col" }, "Qty"), h("th", { scope: "col" }, "Price"))),
    h(
      "tbody",
      {},
      items.map((item) => h("tr", {}, h("td", {}, item.productName), h("td", {}, String(item.quantity)), h("td", {}, formatMoney(item.unitPrice)))),
    ),
  );
}

export function openDetail(entry: Entry, ctx: WindowContext): void {
  const dialog = openDialog(`${typeLabel(entry.type)}: ${entry.studentLabel ?? entry.family?.name ?? ""}`, "detail");
  const message = h("p", { class: "form-error", role: "alert" });
  let current = entry;

  const finish = async (title: string, result: ActionResult | null, errors: UserError[]): Promise<void> => {
    if (lockLost(errors)) ctx.lock.markLost();
    // Staff judge: a full class is shown, and overbooking is their explicit choice.
    if (errors.some((e) => e.code === "CLASS_FULL") || result?.code === "CLASS_FULL") overbookRow.hidden = false;
    const codes = [...errors.map((e) => e.code), result?.code];
    if (current.missedCriteria !== undefined && codes.some((c) => c && CRITERIA_CODES.has(c))) {
      message.textContent = "This drop misses the school's criteria above: tick “Approve anyway” for each one to approve it.";
      return;
    }
    const problem = userErrorText(errors);
    if (problem) {
      message.textContent = problem;
      return;
    }
    if (result && ["APPROVED", "DENIED", "DISMISSED"].includes(result.outcome)) {
      dialog.close();
      ctx.report(title, [result]);
      await ctx.reload();
      return;
    }
    if (result) {
      // Refused by a rule (class full, notice...): keep the dialog open with why.
      message.textContent = `${result.message ?? result.code ?? "Refused"}`;
      if (result.entry) current = result.entry;
    }
  };

  const editable = (): boolean => ctx.canAct && ctx.lock.held;

  // Approve, with what review needs for transfers and drops: the entries whose
  // fragments (queries.ts) select a transfer's dates or a drop's criteria.
  const transfer =
    current.suggestedPreviousClassDropDate !== undefined && current.availableActions.includes("APPROVE") ? transferFields(current) : null;
  const drop = current.missedCriteria !== undefined ? dropCriteria(current, current.availableActions.includes("APPROVE")) : null;
  const overbook = h("input", { type: "checkbox", id: "overbook" });
  const overbookRow = h(
    "div",
    { class: "field check", hidden: true },
    overbook,
    h("label", { for: "overbook" }, "Approve even though the class is full (overbook)"),
  );
  const approve = async (): Promise<void> => {
    const input: Record<string, unknown> = {
      id: current.id,
      expectedVersion: current.version,
      lockToken: ctx.lock.token,
      overbook: overbook.checked,
      ...(transfer?.input() ?? {}),
      ...(drop?.input() ?? {}),
    };
    const data = await ctx.api.request<{ approveActivity: { result: ActionResult | null; userErrors: UserError[] } }>(
      APPROVE_ONE,
      { input },
    );
    await finish("Approved", data.approveActivity.result, data.approveActivity.userErrors);
  };

  // Deny, with a reason (kept in the audit log). There is no mass deny.
  const reason = h("textarea", { id: "deny-reason", rows: 2, name: "reason" });
  const deny = async (): Promise<void> => {
    const data = await ctx.api.request<{ denyActivity: { result: ActionResult | null; userErrors: UserError[] } }>(DENY_ONE, {
      input: { id: current.id, expectedVersion: current.version, reason: reason.value.trim() || null, lockToken: ctx.lock.token },
    });
    await finish("Denied", data.denyActivity.result, data.denyActivity.userErrors);
  };

  const dismiss = async (): Promise<void> => {
    const data = await ctx.api.request<{
      dismissActivities: { results: ActionResult[]; userErrors: UserError[] };
    }>(DISMISS_MANY, { input: { ids: [current.id], lockToken: ctx.lock.token } });
    await finish("Dismissed", data.dismissActivities.results[0] ?? null, data.dismissActivities.userErrors);
  };

  // The magnifying glass of an online order: show it, pull its items from stock.
  const reviewArea = h("div", { class: "review" });
  const review = async (): Promise<void> => {
    const data = await ctx.api.request<{
      reviewOnlineOrder: {
        order: { total: string; pulledAt: string | null; pulledNow: boolean; lines: OrderLine[] } | null;
        entry: Entry | null;
        userErrors: UserError[];
      };
    }>(REVIEW_ORDER, { input: { id: current.id, lockToken: ctx.lock.token } });
    const payload = data.reviewOnlineOrder;
    if (lockLost(payload.userErrors)) ctx.lock.markLost();
    if (payload.userErrors.length > 0 || !payload.order) {
      message.textContent = userErrorText(payload.userErrors) ?? "The order could not be reviewed.";
      return;
    }
    if (payload.entry) {
      current = payload.entry;
      ctx.updated(current);
    }
    replace(
      reviewArea,
      h(
        "p",
        { class: "notice", role: "status" },
        payload.order.pulledNow
          ? `Reviewed: the items were pulled from available stock (total ${formatMoney(payload.order.total)}). You can dismiss the entry now.`
          : `Already reviewed: the items were pulled from stock ${formatInstant(payload.order.pulledAt)}. You can dismiss the entry now.`,
      ),
      lines(payload.order.lines),
    );
    draw();
  };

  // A deletion request: suspend the family with a dated note (nothing is deleted).
  const note = h("textarea", { id: "suspend-note", rows: 2, name: "note" });
  const suspend = async (): Promise<void> => {
    const data = await ctx.api.request<{
      suspendFamily: { family: { name: string; suspended: boolean } | null; userErrors: UserError[] };
    }>(SUSPEND_FAMILY, { input: { entryId: current.id, note: note.value.trim() || null, lockToken: ctx.lock.token } });
    const payload = data.suspendFamily;
    if (lockLost(payload.userErrors)) ctx.lock.markLost();
    message.textContent = userErrorText(payload.userErrors) ?? "";
    if (payload.family?.suspended) {
      replace(suspendArea, h("p", { class: "notice", role: "status" }, `${payload.family.name} is suspended, with a note.`));
    }
  };
  const suspendArea = h("div", { class: "suspend" });

  const button = (label: string | Node[], run: () => Promise<void>, kind = ""): HTMLButtonElement =>
    h(
      "button",
      {
        type: "button",
        class: kind,
        disabled: !editable(),
        onclick: async (event: Event) => {
          const target = event.currentTarget as HTMLButtonElement;
          target.disabled = true;
          try {
            await run();
          } catch (error) {
            message.textContent = error instanceof Error ? error.message : String(error);
          } finally {
            target.disabled = !editable();
          }
        },
      },
      label,
    );

  const draw = (): void => {
    const can = current.availableActions;
    replace(
      dialog.body,
      h("p", { class: "summary-line" }, current.summary),
      h("dl", { class: "facts" }, facts(current).flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, String(value))])),
      current.notes && h("section", { class: "family-notes", "aria-label": "Notes" }, h("h3", {}, "Notes"), h("p", {}, current.notes)),
      current.discountScheduleNote && h("p", { class: "warning", role: "note" }, current.discountScheduleNote),
      current.charges &&
        current.charges.length > 0 &&
        h(
          "ul",
          { class: "charges", "aria-label": "Charges" },
          current.charges.map((c) =>
            h("li", {}, `${c.description}: ${formatMoney(c.amount)}`, c.discountScheduleDeleted && h("span", { class: "warning-mark" }, " (deleted discount schedule)")),
          ),
        ),
      current.items && !current.reviewed && lines(current.items),
      current.advice && h("p", { class: "notice" }, current.advice),
      reviewArea,
      transfer?.element,
      drop?.element,
      !editable() && ctx.canAct && h("p", { class: "muted" }, "Read-only: another window or the widget has the edit lock."),
      can.length === 0 && h("p", { class: "muted" }, ctx.canAct ? "Nothing to do with this entry." : "View only."),
      can.includes("APPROVE") && overbookRow,
      h(
        "div",
        { class: "dialog-actions" },
        can.includes("REVIEW") &&
          button(
            [magnifier(), document.createTextNode(current.reviewed ? " Review order again" : " Review order (pull items from stock)")],
            review,
          ),
        can.includes("APPROVE") && button("Approve", approve, "primary"),
        can.includes("DISMISS") && button("Dismiss", dismiss),
      ),
      can.includes("DENY") &&
        h(
          "div",
          { class: "deny" },
          h("label", { for: "deny-reason" }, "Reason for denying (kept in the audit log)"),
          reason,
          current.denyWarning && h("p", { class: "muted" }, current.denyWarning),
          button("Deny", deny, "danger"),
        ),
      // A deletion request advises suspending the family instead.
      current.advice !== undefined &&
        ctx.canAct &&
        h(
          "div",
          { class: "suspend-form" },
          suspendArea,
          h("label", { for: "suspend-note" }, "Suspension note (optional: the date and the deletion request are noted)"),
          note,
          button("Suspend family", suspend),
        ),
      message,
    );
  };
  draw();
  ctx.lock.onChange(() => {
    if (dialog.element.open) draw();
  });
}
