// The shapes of what the queries in queries.ts return.

/** A name of the schema's `ActivityType` enum: the server's kinds, listed by
 * the `activityTypes` query with their labels (the client names none). */
export type ActivityType = string;

/** An activity type and what the window calls it (`activityTypes`). */
export interface ActivityKind {
  type: ActivityType;
  label: string;
}

export type WindowStatus = "NOTIFICATION" | "PENDING" | "APPROVED";
export type EntryAction = "APPROVE" | "DENY" | "DISMISS" | "REVIEW";
export type StatusFilter = "ALL" | WindowStatus;
export type HasNotesFilter = "BOTH" | "YES" | "NO";
export type Order = "OLDEST_FIRST" | "NEWEST_FIRST";
export type Surface = "WINDOW" | "WIDGET";

export interface Location {
  id: string;
  name: string;
}

export interface Family {
  id: string;
  name: string;
  email: string | null;
  emailOptIn: boolean;
  suspended: boolean;
}

export interface OrderLine {
  productName: string;
  quantity: number;
  unitPrice: string;
}

/** One entry, with the fields of its type (absent on the others). */
export interface Entry {
  __typename: string;
  id: string;
  type: ActivityType;
  status: WindowStatus;
  occurredAt: string;
  sequence: number;
  version: number;
  summary: string;
  studentLabel: string | null;
  notes: string | null;
  hasNotes: boolean;
  availableActions: EntryAction[];
  location: Location | null;
  family: Family | null;
  student: { id: string; name: string } | null;
  // by type
  absenceDate?: string | null;
  className?: string | null;
  reason?: string | null;
  title?: string | null;
  startsAt?: string | null;
  previousStartsAt?: string | null;
  autoApproved?: boolean;
  cardBrand?: string | null;
  cardLast4?: string | null;
  amount?: string | null;
  method?: string | null;
  discountScheduleNote?: string | null;
  charges?: { description: string; amount: string; discountScheduleDeleted: boolean }[];
  recipientName?: string | null;
  recipientEmail?: string | null;
  email?: string | null;
  startDate?: string | null;
  enrollmentType?: string | null;
  punchPass?: boolean;
  dropDate?: string | null;
  dropReason?: string | null;
  noticeDays?: number;
  meetsNoticePeriod?: boolean | null;
  /** The day the family asked (the school's calendar), and the school's criteria missed. */
  requestedOn?: string;
  missedCriteria?: MissedCriterion[];
  fromClassName?: string | null;
  toClassName?: string | null;
  transferDate?: string | null;
  currentDropDate?: string | null;
  suggestedPreviousClassDropDate?: string | null;
  partyAt?: string | null;
  guests?: number | null;
  package?: string | null;
  policyName?: string | null;
  accepted?: boolean;
  total?: string | null;
  reviewed?: boolean;
  items?: OrderLine[];
  deletionReason?: string | null;
  advice?: string;
  denyWarning?: string;
}

export type DropCriterion = "DROP_REASON" | "NOTICE_PERIOD";

/** A criterion of the school a drop request misses, and what accepting it takes. */
export interface MissedCriterion {
  criterion: DropCriterion;
  code: string;
  message: string;
}

export interface PageCursor {
  page: number;
  cursor: string;
  isCurrent: boolean;
}

export interface Connection {
  __typename: "ActivityConnection";
  totalCount: number;
  pageNumber: number;
  pageCount: number;
  sequence: number;
  pageCursors: {
    first: PageCursor | null;
    previous: PageCursor | null;
    around: PageCursor[];
    last: PageCursor | null;
  };
  nodes: Entry[];
}

export interface InvalidArguments {
  __typename: "InvalidArguments";
  userErrors: { code: string; message: string; field: string[] | null }[];
}

export interface Me {
  name: string;
  organisationId: string;
  allLocations: boolean;
  locationIds: string[];
  permissions: { task: string; level: "NONE" | "VIEW" | "FULL" }[];
  /** The organisation, with the time zone its dates are in. */
  organisation: { name: string; timeZone: string };
}

export interface Badge {
  waiting: number;
  pending: number;
}

export type Outcome = "APPROVED" | "DENIED" | "DISMISSED" | "SKIPPED" | "FAILED";

export interface ActionResult {
  id: string;
  outcome: Outcome;
  code: string | null;
  message: string | null;
  entry: Entry | null;
}

export interface ActivityEvent {
  sequence: number;
  change: "ADDED" | "CHANGED" | "REMOVED";
  reason: string;
  entryId: string;
  type: ActivityType;
  status: WindowStatus;
  entry: Entry | null;
}

export interface LockState {
  held: boolean;
  surface: Surface | null;
  expiresAt: string | null;
  yours: boolean;
  holderName: string;
}

export interface WindowFilter {
  types: ActivityType[] | null;
  hasNotes: HasNotesFilter;
  status: StatusFilter;
  location: { locationId: string } | { noLocation: true } | null;
}
