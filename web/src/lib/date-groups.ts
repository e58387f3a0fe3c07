/**
 * The chat list's date groups, as in ChatGPT: Today, Yesterday, Previous 7 days, Previous 30
 * days, then one group per month ("March", or "March 2025" for another year). Days are the
 * user's own, in the browser's time zone: a chat touched at 00:30 local time is Today even
 * where UTC still says yesterday.
 */

export interface DateGroup<T> {
  /** Stable across renders and unique in the list: the label, or the month as yyyy-mm. */
  key: string;
  label: string;
  items: T[];
}

/** Midnight, local time, `days` days before the day of `now` (calendar days: DST-safe). */
function dayStart(now: Date, days: number): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - days).getTime();
}

/** Groups items sorted newest first, in that order; a time in the future (a skewed clock) counts as Today. */
export function groupByDate<T>(items: readonly T[], at: (item: T) => number, now: Date = new Date()): DateGroup<T>[] {
  const bounds: [key: string, from: number][] = [
    ['Today', dayStart(now, 0)],
    ['Yesterday', dayStart(now, 1)],
    ['Previous 7 days', dayStart(now, 7)],
    ['Previous 30 days', dayStart(now, 30)],
  ];
  // By key, not by run: a list briefly out of order (a row moved by hand) still makes each group once.
  const groups = new Map<string, DateGroup<T>>();
  for (const item of items) {
    const time = at(item);
    const recent = bounds.find(([, from]) => time >= from);
    const { key, label } = recent ? { key: recent[0], label: recent[0] } : month(new Date(time), now);
    const group = groups.get(key);
    if (group) group.items.push(item);
    else groups.set(key, { key, label, items: [item] });
  }
  return [...groups.values()];
}

const MONTH = new Intl.DateTimeFormat(undefined, { month: 'long' });
const MONTH_YEAR = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' });

function month(date: Date, now: Date): { key: string; label: string } {
  const key = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}`;
  return { key, label: (date.getFullYear() === now.getFullYear() ? MONTH : MONTH_YEAR).format(date) };
}
