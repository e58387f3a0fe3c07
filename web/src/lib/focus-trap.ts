/**
 * Keeping keyboard focus inside a modal surface that is not a <dialog> (the phone's chat-list
 * drawer is the desktop sidebar itself, slid in): the browser gives a modal <dialog> this for free.
 */

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The elements Tab stops at inside `root`, in order: rendered, visible and not inert. */
export function tabbables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.checkVisibility({ visibilityProperty: true }) && !el.closest('[inert]'));
}

/** A Tab keydown inside `root`: from the last stop wraps to the first, Shift+Tab from the first to the last. */
export function cycleTab(event: KeyboardEvent, root: HTMLElement): void {
  if (event.key !== 'Tab' || event.defaultPrevented) return;
  const stops = tabbables(root);
  const first = stops[0];
  const last = stops.at(-1);
  if (!first || !last) return;
  const active = document.activeElement;
  const outside = !(active instanceof Node) || !root.contains(active);
  if (event.shiftKey && (active === first || outside)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (active === last || outside)) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * An attachment opening a <dialog> as modal: the browser holds focus in it, makes the page
 * behind inert and closes it on Esc; when it goes, focus returns where it was before.
 */
export function modalDialog(node: HTMLDialogElement): () => void {
  const before = document.activeElement;
  node.showModal();
  return () => {
    if (before instanceof HTMLElement && before.isConnected) before.focus();
  };
}
