// How the window words things: type and status names, dates, outcomes.
import type { ActivityKind, ActivityType, StatusFilter, WindowStatus } from "./types";

/**
 * The activity types and their labels, as the server lists them
 * (`activityTypes`, read once at sign-in): a kind the server adds reaches
 * the filter and the rows without a change here.
 */
let kinds: ActivityKind[] = [];
let labels = new Map<ActivityType, string>();

export function setActivityKinds(list: ActivityKind[]): void {
  kinds = list;
  labels = new Map(list.map((kind) => [kind.type, kind.label]));
}

/** Every activity type, in the window's order. */
export function activityKinds(): readonly ActivityKind[] {
  return kinds;
}

/** What the window calls a type (its name, should the server not list it). */
export function typeLabel(type: ActivityType): string {
  return labels.get(type) ?? type;
}

export const STATUS_LABELS: Record<WindowStatus, string> = {
  NOTIFICATION: "Notification",
  PENDING: "Pending",
  APPROVED: "Approved",
};

export const STATUS_FILTER_LABELS: Record<StatusFilter, string> = {
  ALL: "All",
  NOTIFICATION: "Notification",
  PENDING: "Pending",
  APPROVED: "Approved",
};

/**
 * The time zone instants are shown in: the organisation's (`me.organisation
 * .timeZone`), "the school's clock", whatever the browser's is. Calendar
 * dates (the API's `Date`) are already the school's days and are shown as they are.
 */
let timeZone: string | undefined;

export function setTimeZone(zone: string | undefined): void {
  timeZone = zone;
}

export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso;
  return new Intl.DateTimeFormat("en-US", {
    timeZone,
    month: "short",
    day: "numeric",
    year: "numeric",
    hour: "numeric",
    minute: "2-digit",
  }).format(when);
}

/** A calendar date (the API's `Date`, "2026-11-03") as the school reads it. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const [year, month, day] = iso.split("-").map(Number);
  if (!year || !month || !day) return iso;
  return new Intl.DateTimeFormat("en-US", {
    timeZone: "UTC",
    weekday: "short",
    month: "short",
    day: "numeric",
    year: "numeric",
  }).format(new Date(Date.UTC(year, month - 1, day)));
}

export function formatMoney(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === "") return "";
  const value = Number(amount);
  return Number.isFinite(value) ? `$${value.toFixed(2)}` : amount;
}

/** Why an entry was skipped or failed, in the window's words. */
const OUTCOME_REASONS: Record<string, string> = {
  MUST_APPROVE_OR_DENY: "must be approved or denied",
  REVIEW_REQUIRED: "review the order first",
  CLASS_FULL: "class full",
  NOTICE_PERIOD_NOT_MET: "the drop does not give the required notice: review it on its own",
  DROP_REASON_REQUIRED: "the drop has no reason: review it on its own",
  INVALID_DROP_REASON: "the drop reason is not one of the school's: review it on its own",
  TRANSFER_ALREADY_EXISTS: "a transfer from this enrollment already exists",
  ALREADY_PROCESSED: "already processed",
  VERSION_CONFLICT: "changed since you loaded it",
  NOT_PENDING: "not waiting for approval",
  NOT_FOUND: "no longer in the window",
  ACCESS_DENIED: "you lack the permission for this type",
};

export function outcomeReason(code: string | null, message: string | null): string {
  if (code && OUTCOME_REASONS[code]) return OUTCOME_REASONS[code];
  return message ?? code ?? "failed";
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
