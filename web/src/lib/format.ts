/** Human dates for lists and bubbles. */
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

export function relativeTime(at: number, now = Date.now()): string {
  const diff = now - at;
  if (diff < MINUTE_MS) return 'just now';
  if (diff < 60 * MINUTE_MS) return `${Math.floor(diff / MINUTE_MS)} min ago`;
  const date = new Date(at);
  if (new Date(now).toDateString() === date.toDateString()) return date.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
  if (diff < 7 * DAY_MS) return date.toLocaleDateString(undefined, { weekday: 'short' });
  return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/** One formatter for every bubble: toLocaleTimeString builds a new one per call, which a long chat felt. */
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

export function clockTime(at: number): string {
  return CLOCK.format(at);
}

export function dueLabel(dueAt: number | null, now = Date.now()): string | null {
  if (dueAt === null) return null;
  const today = new Date(now);
  today.setHours(0, 0, 0, 0);
  const days = Math.round((dueAt - today.getTime()) / DAY_MS);
  if (days === 0) return 'Due today';
  if (days === 1) return 'Due tomorrow';
  if (days === -1) return 'Due yesterday';
  if (days < 0) return `Overdue · ${new Date(dueAt).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}`;
  return `Due ${new Date(dueAt).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}`;
}
