"""The GraphQL documents the benchmarks send, in one place.

``WINDOW`` is the main figure's document: what the staff window asks for its
first page (the README's window query: page numbers, the numbered page
links, per-type fields of drops and transfers, the actions each entry
offers), about 4-5 kB per answer. ``WINDOW_LIST`` is the plain list
(figure 3 pages deep by keyset cursor, where a page number would count the
rows before it). ``POSTGRAPHILE_WINDOW`` asks PostGraphile for the same
first 10 open entries of the organisation by occurrence time, with the
columns and relations that carry the same facts, without ``totalCount``
(PostGraphile would ``count(*)`` the organisation's rows on every request,
which our maintained counters avoid: leaving it out gives the anchor the
advantage, never us).
"""

from __future__ import annotations

WINDOW = """query Window($filter: ActivityFilter, $first: Int, $after: String) {
  onlineActivity(filter: $filter, first: $first, after: $after) {
    ... on ActivityConnection {
      totalCount
      pageNumber
      pageCount
      pageCursors {
        first { page cursor }
        around { page cursor isCurrent }
        last { page cursor }
      }
      pageInfo { hasNextPage endCursor }
      nodes {
        __typename
        ... on ActivityEntry {
          id type status occurredAt sequence version summary studentLabel hasNotes notes
          availableActions
          location { name }
          family { name }
        }
        ... on DropActivity { dropDate reason meetsNoticePeriod }
        ... on TransferActivity { fromClassName toClassName suggestedPreviousClassDropDate }
      }
    }
    ... on InvalidArguments { userErrors { code message field } }
  }
}"""

WINDOW_LIST = """query Window($first: Int, $after: String) {
  onlineActivity(first: $first, after: $after) {
    ... on ActivityConnection {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        __typename
        ... on ActivityEntry {
          id status occurredAt summary studentLabel hasNotes location { name }
        }
      }
    }
  }
}"""

PAGE_CURSOR = """query Jump($page: Int!) {
  onlineActivity(first: 10) { ... on ActivityConnection { pageCursor(page: $page) { cursor } } }
}"""

BADGE = "query { activityBadge { waiting pending } }"

POSTGRAPHILE_WINDOW = """query Window($organisation: BigInt!, $first: Int, $after: Cursor) {
  allActivityEntries(
    first: $first
    after: $after
    orderBy: [OCCURRED_AT_ASC, ID_ASC]
    condition: {organisationId: $organisation, resolution: null}
  ) {
    pageInfo { hasNextPage endCursor }
    nodes {
      nodeId type status occurredAt sequence version hasNotes notes details
      locationByLocationId { name }
      familyByFamilyId { name }
      studentByStudentId { firstName lastName }
    }
  }
}"""
