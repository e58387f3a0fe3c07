/**
 * Closing popups (menus) when the user points elsewhere. The check runs on pointerdown, before
 * anything reacts to the press: by the time a click reaches the document, the handler of the item
 * clicked may already have re-rendered the popup and removed the click's target from the page,
 * which then looks like a click outside (issue 18: "Delete…" closed its menu instead of asking).
 */
import type { Attachment } from 'svelte/attachments';

/** Whether an event's path (read at dispatch, so removed nodes still count) passes through any of `nodes`. */
export function pathIncludes(event: Event, nodes: readonly (Element | null | undefined)[]): boolean {
  const path = event.composedPath();
  return nodes.some((node) => node != null && path.includes(node));
}

/** Calls `onDismiss` when a pointer goes down outside the element and outside `keep()` (e.g. the button that toggles it). */
export function dismissOnPointerDownOutside(onDismiss: () => void, keep: () => Element | null | undefined = () => null): Attachment<HTMLElement> {
  return (node) => {
    const listener = (event: PointerEvent) => {
      if (!pathIncludes(event, [node, keep()])) onDismiss();
    };
    // Capture: a handler that stops propagation inside the page must not keep a menu open.
    document.addEventListener('pointerdown', listener, true);
    return () => document.removeEventListener('pointerdown', listener, true);
  };
}
