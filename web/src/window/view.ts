// The Online Activity window: filters, one page of entries, mass actions,
// and live changes ("N new entries" rather than rows jumping under the cursor).
import type { Client } from "graphql-ws";
import { ApiError, type Api, type UserError } from "../lib/api";
import { announce, h, replace } from "../lib/dom";
import { plural } from "../lib/format";
import { subscribe, type Unsubscribe } from "../lib/live";
import { lockLost, type EditLock } from "../lib/lock";
import { APPROVE_MANY, DISMISS_MANY, EVENTS_LIVE, MY_LOCATIONS, PAGE_CURSOR, WINDOW } from "../lib/queries";
import type { ActionResult, ActivityEvent, Connection, Entry, InvalidArguments, Location, Order, PageCursor, WindowFilter } from "../lib/types";
import { filterInput, type Selection, type WindowContext } from "./context";
import { openDetail } from "./detail";
import { openEmail } from "./email";
import { DEFAULT_FILTER, renderFilters } from "./filters";
import { renderPaging } from "./paging";
import { renderResults } from "./results";
import { renderTable } from "./table";

type WindowResult = Connection | InvalidArguments;

export class WindowView implements WindowContext {
  filter: WindowFilter = DEFAULT_FILTER;
  order: Order = "OLDEST_FIRST";
  pageSize = 10;
  after: string | null = null;
  conn: Connection | null = null;
  checked = new Set<string>();
  allMatching = false;
  newEntries = new Set<string>();
  /** Changes up to this sequence are in what the window shows. */
  seen = 0;
  locations = new Map<string, string>();
  private events: Unsubscribe | null = null;
  private readonly known = new Map<string, Entry>();

  constructor(
    readonly api: Api,
    private readonly live: Client,
    readonly lock: EditLock,
    readonly canAct: boolean,
    private readonly root: HTMLElement,
    private readonly resultsPanel: HTMLElement,
  ) {
    lock.onChange(() => this.render());
  }

  async start(): Promise<void> {
    void this.loadLocations();
    await this.load();
    this.follow();
  }

  // ---- reading -------------------------------------------------------------

  async load(): Promise<void> {
    try {
      const data = await this.api.request<{ onlineActivity: WindowResult }>(WINDOW, {
        filter: filterInput(this.filter),
        order: this.order,
        first: this.pageSize,
        after: this.after,
      });
      const result = data.onlineActivity;
      if (result.__typename === "InvalidArguments") {
        this.fail(result.userErrors.map((e) => e.message).join(" "));
        return;
      }
      this.conn = result;
      this.seen = Math.max(this.seen, result.sequence);
      for (const entry of result.nodes) {
        this.known.set(entry.id, entry);
        if (entry.location) this.locations.set(entry.location.id, entry.location.name);
      }
      const onPage = new Set(result.nodes.map((e) => e.id));
      for (const id of this.checked) if (!onPage.has(id)) this.checked.delete(id);
      for (const id of onPage) this.newEntries.delete(id);
      this.render();
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
    }
  }

  reload(): Promise<void> {
    return this.load();
  }

  /** The location filter's choices: the locations this staff member may see
   * (`me.locations`), plus any an entry on a page names. */
  private async loadLocations(): Promise<void> {
    const data = await this.api.request<{ me: { locations: Location[] } }>(MY_LOCATIONS);
    for (const location of data.me.locations) this.locations.set(location.id, location.name);
    this.render();
  }

  private async goToPage(page: number): Promise<void> {
    if (page <= 1) {
      this.after = null;
    } else {
      const data = await this.api.request<{
        onlineActivity: { __typename: string; pageCount?: number; pageCursor?: { cursor: string } | null };
      }>(PAGE_CURSOR, { filter: filterInput(this.filter), order: this.order, first: this.pageSize, page });
      const cursor = data.onlineActivity.pageCursor;
      if (!cursor) {
        announce(`There is no page ${page}.`);
        this.render();
        return;
      }
      this.after = cursor.cursor;
    }
    this.clearSelection();
    await this.load();
    announce(`Page ${this.conn?.pageNumber ?? page}`);
  }

  private async goToCursor(cursor: PageCursor): Promise<void> {
    this.after = cursor.page <= 1 ? null : cursor.cursor;
    this.clearSelection();
    await this.load();
  }

  private async refilter(filter: WindowFilter, order: Order): Promise<void> {
    this.filter = filter;
    this.order = order;
    this.after = null;
    this.clearSelection();
    this.newEntries.clear();
    await this.load();
    this.follow();
  }

  // ---- live ----------------------------------------------------------------

  /** Follow the window's changes from the sequence it was read at. */
  private follow(): void {
    this.events?.();
    const from = this.seen;
    this.events = subscribe<{ activityEvents: ActivityEvent }>(
      this.live,
      EVENTS_LIVE,
      { filter: filterInput(this.filter), after: from },
      {
        next: ({ activityEvents: event }) => this.heard(event),
        error: (message, codes) => {
          if (codes.includes("RESYNC_REQUIRED")) {
            void this.load().then(() => this.follow());
          } else {
            this.fail(`Live updates stopped: ${message}`);
          }
        },
      },
    );
  }

  private heard(event: ActivityEvent): void {
    if (event.sequence <= this.seen || !this.conn) return;
    this.seen = event.sequence;
    const rows = this.conn.nodes;
    const index = rows.findIndex((e) => e.id === event.entryId);
    if (event.change === "REMOVED") {
      this.newEntries.delete(event.entryId);
      if (index >= 0) {
        rows.splice(index, 1);
        this.checked.delete(event.entryId);
      }
      this.conn.totalCount = Math.max(0, this.conn.totalCount - 1);
    } else if (index >= 0 && event.entry) {
      rows[index] = event.entry;
      this.known.set(event.entry.id, event.entry);
    } else if (event.change === "ADDED") {
      this.newEntries.add(event.entryId);
      if (event.entry) this.known.set(event.entry.id, event.entry);
      announce(`${plural(this.newEntries.size, "new entry", "new entries")}`);
    }
    this.render();
  }

  updated(entry: Entry): void {
    if (!this.conn) return;
    const index = this.conn.nodes.findIndex((e) => e.id === entry.id);
    if (index >= 0) this.conn.nodes[index] = entry;
    this.known.set(entry.id, entry);
    this.render();
  }

  // ---- acting --------------------------------------------------------------

  private clearSelection(): void {
    this.checked.clear();
    this.allMatching = false;
  }

  selection(): Selection | null {
    if (!this.conn) return null;
    if (this.allMatching) {
      return { kind: "all", filter: this.filter, watermark: this.conn.sequence, total: this.conn.totalCount };
    }
    const entries = this.conn.nodes.filter((e) => this.checked.has(e.id));
    return entries.length > 0 ? { kind: "ids", entries } : null;
  }

  report(title: string, results: ActionResult[], errors: UserError[] = []): void {
    renderResults(this.resultsPanel, title, results, this.known, errors);
  }

  private async massAction(kind: "approve" | "dismiss"): Promise<void> {
    const selection = this.selection();
    if (!selection) return;
    if (selection.kind === "all") {
      const verb = kind === "approve" ? "Approve" : "Dismiss";
      const ok = window.confirm(
        `${verb} all ${plural(selection.total, "entry", "entries")} matching the filter? ` +
          "Entries that arrived after you loaded this page are left alone.",
      );
      if (!ok) return;
    }
    const input = {
      ...(selection.kind === "ids"
        ? { ids: selection.entries.map((e) => e.id) }
        : { all: filterInput(selection.filter), watermark: selection.watermark }),
      lockToken: this.lock.token,
    };
    const document = kind === "approve" ? APPROVE_MANY : DISMISS_MANY;
    const field = kind === "approve" ? "approveActivities" : "dismissActivities";
    const data = await this.api.request<Record<string, { results: ActionResult[]; userErrors: UserError[] }>>(document, { input });
    const payload = data[field];
    if (!payload) return;
    if (lockLost(payload.userErrors)) this.lock.markLost();
    this.report(kind === "approve" ? "Approve" : "Dismiss", payload.results, payload.userErrors);
    this.clearSelection();
    await this.load();
  }

  private async dismissOne(entry: Entry): Promise<void> {
    const data = await this.api.request<{ dismissActivities: { results: ActionResult[]; userErrors: UserError[] } }>(
      DISMISS_MANY,
      { input: { ids: [entry.id], lockToken: this.lock.token } },
    );
    const payload = data.dismissActivities;
    if (lockLost(payload.userErrors)) this.lock.markLost();
    this.report("Dismiss", payload.results, payload.userErrors);
    await this.load();
  }

  /** Run an action; a request the server refused as a whole is shown, not lost. */
  private guard(run: () => Promise<void>): void {
    run().catch((error: unknown) => {
      this.fail(error instanceof ApiError || error instanceof Error ? error.message : String(error));
    });
  }

  // ---- drawing -------------------------------------------------------------

  private fail(message: string): void {
    const alert = this.root.querySelector<HTMLElement>("#window-error");
    if (alert) alert.textContent = message;
    if (this.conn === null) replace(this.root, h("p", { id: "window-error", role: "alert", class: "form-error" }, message));
  }

  render(): void {
    const conn = this.conn;
    if (!conn) return;
    const editable = this.canAct && this.lock.held;
    const focusedId = document.activeElement?.id;
    const selection = this.selection();
    const selected = selection ? (selection.kind === "all" ? selection.total : selection.entries.length) : 0;
    const massButton = (label: string, testid: string, run: () => void): HTMLElement =>
      h(
        "button",
        { type: "button", id: testid, disabled: !editable || selected === 0, onclick: run },
        label,
      );
    const paging = {
      pageSize: this.pageSize,
      onPageSize: (size: number) => {
        this.pageSize = size;
        this.after = null;
        this.clearSelection();
        void this.load();
      },
      onPage: (page: number) => void this.goToPage(page),
      onCursor: (cursor: PageCursor) => void this.goToCursor(cursor),
    };
    const locations = [...this.locations].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
    replace(
      this.root,
      renderFilters(this.filter, this.order, locations, (filter, order) => void this.refilter(filter, order)),
      h("p", { id: "window-error", role: "alert", class: "form-error" }),
      this.newEntries.size > 0 &&
        h(
          "div",
          { class: "new-entries", role: "status" },
          h(
            "button",
            {
              type: "button",
              id: "show-new",
              onclick: async () => {
                this.newEntries.clear();
                await this.load();
              },
            },
            `${plural(this.newEntries.size, "new entry", "new entries")}: show`,
          ),
        ),
      renderPaging(conn, paging, "top"),
      this.allMatching &&
        h(
          "p",
          { class: "select-all-note", role: "status" },
          `All ${plural(conn.totalCount, "entry", "entries")} matching the filter are checked (entries arriving from now on are not). `,
          h(
            "button",
            {
              type: "button",
              class: "link",
              onclick: () => {
                this.allMatching = false;
                for (const e of conn.nodes) this.checked.add(e.id);
                this.render();
              },
            },
            `Check only the ${plural(conn.nodes.length, "entry", "entries")} on this page`,
          ),
        ),
      renderTable(conn.nodes, {
        checked: this.checked,
        allMatching: this.allMatching,
        editable,
        canAct: this.canAct,
        onCheck: (id, checked) => {
          if (checked) this.checked.add(id);
          else this.checked.delete(id);
          this.render();
        },
        onCheckAll: (checked) => {
          this.allMatching = checked;
          this.checked.clear();
          this.render();
        },
        onOpen: (entry) => openDetail(entry, this),
        onDismiss: (entry) => this.guard(() => this.dismissOne(entry)),
      }),
      this.canAct &&
        h(
          "div",
          { class: "mass-actions", role: "group", "aria-label": "Act on the checked entries" },
          h("span", { class: "muted", "data-testid": "checked-count" }, `${selected} checked`),
          massButton("Approve", "mass-approve", () => this.guard(() => this.massAction("approve"))),
          massButton("E-mail", "mass-email", () => {
            const current = this.selection();
            if (current) openEmail(current, this);
          }),
          massButton("Dismiss", "mass-dismiss", () => this.guard(() => this.massAction("dismiss"))),
        ),
      conn.pageCount > 1 && renderPaging(conn, paging, "bottom"),
    );
    if (focusedId) document.getElementById(focusedId)?.focus();
  }
}

