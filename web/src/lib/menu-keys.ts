/**
 * Arrow keys in a menu (the WAI-ARIA menu pattern): ↓ and ↑ move focus to the next and previous
 * item, wrapping around; Home and End to the first and last. Tab still leaves the menu as usual.
 */
const ITEMS = '[role="menuitem"]:not([disabled]), [role="menuitemcheckbox"]:not([disabled]), [role="menuitemradio"]:not([disabled])';

/** Moves focus for one of those keys and answers true, so the caller can prevent the page from scrolling. */
export function moveMenuFocus(menu: HTMLElement, key: string): boolean {
  const items = [...menu.querySelectorAll<HTMLElement>(ITEMS)];
  if (items.length === 0) return false;
  const at = items.indexOf(document.activeElement as HTMLElement);
  let next: number;
  switch (key) {
    case 'ArrowDown':
      next = at < 0 ? 0 : (at + 1) % items.length;
      break;
    case 'ArrowUp':
      next = at <= 0 ? items.length - 1 : at - 1;
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = items.length - 1;
      break;
    default:
      return false;
  }
  items[next]!.focus();
  return true;
}
