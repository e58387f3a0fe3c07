/**
 * The chat's rows keep their identity while their data is unchanged. `chatItems` builds every
 * row afresh on each streamed token; handing the keyed list the previous objects instead means
 * Svelte leaves finished messages alone and only the streaming row updates (issue 18: a long
 * chat stuttered while a reply streamed, every row re-rendering its Markdown and time).
 */
import type { ChatItem } from './conversation';

/** Deep equality for plain data (messages, chips, errors): no Dates, Maps or cycles. */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every((key) => Object.hasOwn(right, key) && sameData(left[key], right[key]));
}

/** `next`, with each row equal to the previous row of its key replaced by that previous object; `previous` itself when nothing changed. */
export function reuseItems(previous: readonly ChatItem[], next: readonly ChatItem[]): readonly ChatItem[] {
  if (previous.length === 0) return next;
  const byKey = new Map(previous.map((item) => [item.key, item]));
  let changed = previous.length !== next.length;
  const reused = next.map((item, index) => {
    const old = byKey.get(item.key);
    const kept = old !== undefined && sameData(old, item) ? old : item;
    if (kept !== previous[index]) changed = true;
    return kept;
  });
  return changed ? reused : previous;
}
