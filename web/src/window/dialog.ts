// A modal <dialog>: focus moves in, Escape closes, focus returns where it was.
import { h, uid } from "../lib/dom";

export interface Dialog {
  element: HTMLDialogElement;
  body: HTMLElement;
  close: () => void;
}

export function openDialog(title: string, className: string): Dialog {
  const titleId = uid("dialog-title");
  const returnTo = document.activeElement as HTMLElement | null;
  const body = h("div", { class: "dialog-body" });
  const element = h(
    "dialog",
    { class: `dialog ${className}`, "aria-labelledby": titleId },
    h(
      "div",
      { class: "dialog-head" },
      h("h2", { id: titleId }, title),
      h("button", { type: "button", class: "icon close", "aria-label": "Close", onclick: () => close() }, "✕"),
    ),
    body,
  );
  const close = (): void => {
    element.close();
  };
  element.addEventListener("close", () => {
    element.remove();
    returnTo?.focus();
  });
  document.body.appendChild(element);
  element.showModal();
  return { element, body, close };
}
