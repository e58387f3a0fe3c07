import { describe, expect, it } from 'vitest';
import { groupByDate } from '../../web/src/lib/date-groups';

/** Local wall-clock times: the groups follow the user's days, whatever the zone. */
const local = (y: number, m: number, d: number, h = 12, min = 0) => new Date(y, m - 1, d, h, min).getTime();

describe('groupByDate', () => {
  const now = new Date(2026, 10, 29, 9, 30); // 29 November 2026, 09:30 local
  const label = (times: number[]) => groupByDate(times, (t) => t, now).map((g) => [g.label, g.items.length]);

  it('makes Today, Yesterday, Previous 7 days, Previous 30 days, then months, in list order', () => {
    expect(
      label([
        local(2026, 11, 29, 9, 0),
        local(2026, 11, 29, 0, 5),
        local(2026, 11, 28, 23, 59),
        local(2026, 11, 28, 0, 0),
        local(2026, 11, 27, 23, 0),
        local(2026, 11, 22, 0, 0),
        local(2026, 11, 21, 23, 59),
        local(2026, 10, 30),
        local(2026, 10, 29, 23, 59),
        local(2026, 10, 2),
        local(2026, 3, 14),
        local(2025, 12, 31),
      ]),
    ).toEqual([
      ['Today', 2],
      ['Yesterday', 2],
      ['Previous 7 days', 2],
      ['Previous 30 days', 2],
      ['October', 2],
      ['March', 1],
      ['December 2025', 1],
    ]);
  });

  it('counts a time just after local midnight as today and a skewed future time as today', () => {
    expect(label([local(2026, 11, 29, 0, 0), now.getTime() + 60_000])).toEqual([['Today', 2]]);
  });

  it('makes each group once, even from a list briefly out of order, with keys unique per month', () => {
    const groups = groupByDate([local(2026, 11, 29), local(2026, 11, 28), local(2026, 11, 29), local(2025, 3, 1), local(2024, 3, 1)], (t) => t, now);
    expect(groups.map((g) => [g.key, g.items.length])).toEqual([
      ['Today', 2],
      ['Yesterday', 1],
      ['2025-03', 1],
      ['2024-03', 1],
    ]);
  });
});
