// The total, the page-size and page-number boxes (type, then Tab) and the page links.
import { h } from "../lib/dom";
import { plural } from "../lib/format";
import type { Connection, PageCursor } from "../lib/types";

export interface PagingHandlers {
  pageSize: number;
  onPageSize: (size: number) => void;
  onPage: (page: number) => void;
  onCursor: (cursor: PageCursor) => void;
}

export const MAX_PAGE_SIZE = 100;

export function renderPaging(conn: Connection, handlers: PagingHandlers, where: "top" | "bottom"): HTMLElement {
  const sizeId = `page-size-${where}`;
  const pageId = `page-number-${where}`;
  const cursors = conn.pageCursors;
  const links: (PageCursor | null)[] = [];
  if (cursors.first && !cursors.around.some((c) => c.page === cursors.first?.page)) links.push(cursors.first, null);
  links.push(...cursors.around);
  if (cursors.last && !cursors.around.some((c) => c.page === cursors.last?.page)) links.push(null, cursors.last);
  return h(
    "div",
    { class: "paging" },
    where === "top" && h("p", { id: "total", class: "total", "aria-live": "polite" }, plural(conn.totalCount, "entry", "entries")),
    h(
      "div",
      { class: "field inline" },
      h("label", { for: sizeId }, "Per page"),
      h("input", {
        id: sizeId,
        type: "number",
        min: 1,
        max: MAX_PAGE_SIZE,
        value: handlers.pageSize,
        inputmode: "numeric",
        onchange: (event: Event) => {
          const size = Number((event.target as HTMLInputElement).value);
          if (Number.isInteger(size) && size >= 1) handlers.onPageSize(Math.min(size, MAX_PAGE_SIZE));
        },
      }),
    ),
    h(
      "div",
      { class: "field inline" },
      h("label", { for: pageId }, "Page"),
      h("input", {
        id: pageId,
        type: "number",
        min: 1,
        max: conn.pageCount,
        value: conn.pageNumber,
        inputmode: "numeric",
        "aria-describedby": `${pageId}-of`,
        onchange: (event: Event) => {
          const page = Number((event.target as HTMLInputElement).value);
          if (Number.isInteger(page) && page >= 1) handlers.onPage(Math.min(page, conn.pageCount));
        },
      }),
      h("span", { id: `${pageId}-of` }, `of ${conn.pageCount}`),
    ),
    h(
      "nav",
      { class: "page-links", "aria-label": where === "top" ? "Pages" : "Pages (bottom)" },
      cursors.previous &&
        h(
          "button",
          {
            type: "button",
            id: `page-${where}-previous`,
            class: "link",
            onclick: () => cursors.previous && handlers.onCursor(cursors.previous),
          },
          "‹ Previous",
        ),
      links.map((cursor) =>
        cursor === null
          ? h("span", { class: "gap", "aria-hidden": "true" }, "…")
          : h(
              "button",
              {
                type: "button",
                id: `page-${where}-${cursor.page}`,
                class: cursor.isCurrent ? "link current" : "link",
                "aria-current": cursor.isCurrent ? "page" : null,
                "aria-label": `Page ${cursor.page}`,
                onclick: () => handlers.onCursor(cursor),
              },
              String(cursor.page),
            ),
      ),
      conn.pageNumber < conn.pageCount &&
        h(
          "button",
          { type: "button", id: `page-${where}-next`, class: "link", onclick: () => handlers.onPage(conn.pageNumber + 1) },
          "Next ›",
        ),
    ),
  );
}
