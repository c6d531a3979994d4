// The GraphQL documents of the window and the widget: the public API only.

/** Everything the window and the detail view show of an entry. */
export const ENTRY_FIELDS = `
fragment EntryFields on Activity {
  __typename
  ... on ActivityEntry {
    id type status occurredAt sequence version summary studentLabel notes hasNotes
    availableActions
    location { id name }
    family { id name email emailOptIn suspended }
    student { id name }
  }
  ... on AbsenceActivity { absenceDate className reason }
  ... on AppointmentActivity { title startsAt autoApproved }
  ... on AppointmentCanceledActivity { title startsAt }
  ... on AppointmentRescheduleActivity { title startsAt previousStartsAt autoApproved }
  ... on AutopayActivity { cardBrand cardLast4 }
  ... on PaymentActivity {
    amount method discountScheduleNote
    charges { description amount discountScheduleDeleted }
  }
  ... on GiftCardActivity { amount recipientName recipientEmail }
  ... on NewAccountActivity { email }
  ... on EnrollmentActivity { className startDate enrollmentType punchPass autoApproved denyWarning }
  ... on DropActivity {
    className dropDate dropReason: reason enrollmentType noticeDays meetsNoticePeriod
    requestedOn missedCriteria { criterion code message }
  }
  ... on TransferActivity {
    fromClassName toClassName transferDate enrollmentType currentDropDate
    suggestedPreviousClassDropDate autoApproved
  }
  ... on PartyActivity { partyAt guests package }
  ... on PolicyActivity { policyName accepted }
  ... on OnlineOrderActivity { total reviewed items { productName quantity unitPrice } }
  ... on DeletionRequestActivity { deletionReason: reason advice }
}`;

export const ME = `
query Me {
  me {
    name organisationId allLocations locationIds
    permissions { task level }
    organisation { name timeZone }
  }
  activityTypes { type label }
}`;

export const WINDOW = `
query Window($filter: ActivityFilter, $order: ActivityOrder!, $first: Int, $after: String) {
  onlineActivity(filter: $filter, order: $order, first: $first, after: $after) {
    __typename
    ... on ActivityConnection {
      totalCount pageNumber pageCount sequence
      pageCursors {
        first { page cursor isCurrent }
        previous { page cursor isCurrent }
        around { page cursor isCurrent }
        last { page cursor isCurrent }
      }
      nodes { ...EntryFields }
    }
    ... on InvalidArguments { userErrors { code message field } }
  }
}
${ENTRY_FIELDS}`;

/** The cursor of page N at this page size and filter (the page-number box). */
export const PAGE_CURSOR = `
query PageCursor($filter: ActivityFilter, $order: ActivityOrder!, $first: Int, $page: Int!) {
  onlineActivity(filter: $filter, order: $order, first: $first) {
    __typename
    ... on ActivityConnection { pageCount pageCursor(page: $page) { cursor page } }
    ... on InvalidArguments { userErrors { code message field } }
  }
}`;

/** The locations the window can filter by, as the entries name them. */
export const MY_LOCATIONS = `query MyLocations { me { locations { id name } } }`;

export const NODE = `
query Entry($id: ID!) { node(id: $id) { ...EntryFields } }
${ENTRY_FIELDS}`;

export const BADGE = `query Badge { activityBadge { waiting pending } }`;
export const BADGE_LIVE = `subscription BadgeLive { activityBadge { waiting pending } }`;

export const EVENTS_LIVE = `
subscription Events($filter: ActivityFilter, $after: Int) {
  activityEvents(filter: $filter, afterSequence: $after) {
    sequence change reason entryId type status
    entry { ...EntryFields }
  }
}
${ENTRY_FIELDS}`;

const RESULT_FIELDS = `id outcome code message entry { ...EntryFields }`;
const USER_ERRORS = `userErrors { code message field }`;

export const APPROVE_MANY = `
mutation ApproveMany($input: ApproveActivitiesInput!) {
  approveActivities(input: $input) { approvedCount results { ${RESULT_FIELDS} } ${USER_ERRORS} }
}
${ENTRY_FIELDS}`;

export const DISMISS_MANY = `
mutation DismissMany($input: DismissActivitiesInput!) {
  dismissActivities(input: $input) { dismissedCount results { ${RESULT_FIELDS} } ${USER_ERRORS} }
}
${ENTRY_FIELDS}`;

export const APPROVE_ONE = `
mutation ApproveOne($input: ApproveActivityInput!) {
  approveActivity(input: $input) { result { ${RESULT_FIELDS} } ${USER_ERRORS} }
}
${ENTRY_FIELDS}`;

export const DENY_ONE = `
mutation DenyOne($input: DenyActivityInput!) {
  denyActivity(input: $input) { result { ${RESULT_FIELDS} } ${USER_ERRORS} }
}
${ENTRY_FIELDS}`;

export const REVIEW_ORDER = `
mutation ReviewOrder($input: ReviewOnlineOrderInput!) {
  reviewOnlineOrder(input: $input) {
    order { total pulledAt pulledNow lines { productName quantity unitPrice } }
    entry { ...EntryFields }
    ${USER_ERRORS}
  }
}
${ENTRY_FIELDS}`;

export const SUSPEND_FAMILY = `
mutation Suspend($input: SuspendFamilyInput!) {
  suspendFamily(input: $input) { family { id name suspended } ${USER_ERRORS} }
}`;

export const EMAIL_FAMILIES = `
mutation Email($input: EmailFamiliesInput!) {
  emailFamilies(input: $input) {
    familiesSelected sent skipped
    skippedFamilies { reason family { id name email } }
    ${USER_ERRORS}
  }
}`;

export const EMAIL_PREVIEW = `
query EmailPreview($input: EmailPreviewInput!) {
  emailPreview(input: $input) {
    __typename
    ... on EmailPreview {
      familiesSelected
      recipients { to family { id name } }
      skippedFamilies { reason family { id name email } }
      sample { to subject body family { name } }
    }
    ... on InvalidArguments { userErrors { code message field } }
  }
}`;

export const EMAIL_VARIABLES = `query EmailVariables { emailVariables { name placeholder description example } }`;

export const ACQUIRE_LOCK = `
mutation Acquire($input: AcquireEditLockInput!) {
  acquireEditLock(input: $input) {
    lease { token surface expiresAt }
    heldBy { held surface expiresAt holderName }
    ${USER_ERRORS}
  }
}`;

export const RENEW_LOCK = `
mutation Renew($input: EditLockTokenInput!) {
  renewEditLock(input: $input) { lease { token expiresAt } ${USER_ERRORS} }
}`;

export const RELEASE_LOCK = `
mutation Release($input: EditLockTokenInput!) {
  releaseEditLock(input: $input) { released ${USER_ERRORS} }
}`;

export const LOCK_LIVE = `
subscription Lock($token: String) {
  editLockState(token: $token) { held surface expiresAt yours holderName }
}`;
