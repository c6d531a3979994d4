// A small DOM helper: the window is a handful of views, re-rendered from state.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | null | undefined>;

/** `h("button", {type: "button", onclick: go}, "Approve")`: attributes that
 * start with "on" become listeners, `true` sets a boolean attribute,
 * `false`/null/undefined leave it out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "value" && "value" in node) {
      (node as HTMLInputElement).value = String(value);
    } else if (name === "checked" && "checked" in node) {
      (node as HTMLInputElement).checked = Boolean(value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

export function replace(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node as T;
}

let serial = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix: string): string {
  serial += 1;
  return `${prefix}-${serial}`;
}

/** Say something to screen readers through the page's polite live region. */
export function announce(message: string): void {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = message;
  }, 30);
}

const SVG = "http://www.w3.org/2000/svg";

/** The magnifying glass (no emoji font needed), hidden from screen readers:
 * the button around it carries the label. */
export function magnifier(): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "14");
  svg.setAttribute("height", "14");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const circle = document.createElementNS(SVG, "circle");
  circle.setAttribute("cx", "6.5");
  circle.setAttribute("cy", "6.5");
  circle.setAttribute("r", "4.5");
  const handle = document.createElementNS(SVG, "line");
  handle.setAttribute("x1", "10");
  handle.setAttribute("y1", "10");
  handle.setAttribute("x2", "14.5");
  handle.setAttribute("y2", "14.5");
  for (const part of [circle, handle]) {
    part.setAttribute("fill", "none");
    part.setAttribute("stroke", "currentColor");
    part.setAttribute("stroke-width", "2");
    part.setAttribute("stroke-linecap", "round");
    svg.appendChild(part);
  }
  return svg;
}
