import { describe, expect, it } from 'vitest';
import { messageLimit } from '../../web/src/lib/message-limit';

describe('the composer count against MAX_MESSAGE_CHARS', () => {
  it('stays silent far from the limit and until the limit is known', () => {
    expect(messageLimit(100, 16_000)).toEqual({ show: false, left: 15_900, over: false });
    expect(messageLimit(20_000, null).show).toBe(false);
    expect(messageLimit(20_000, null).over).toBe(false);
  });

  it('shows the last thousand characters of a large limit, and the last tenth of a small one', () => {
    expect(messageLimit(14_999, 16_000).show).toBe(false);
    expect(messageLimit(15_000, 16_000)).toEqual({ show: true, left: 1000, over: false });
    expect(messageLimit(449, 500).show).toBe(false);
    expect(messageLimit(450, 500)).toEqual({ show: true, left: 50, over: false });
  });

  it('allows exactly the limit and is over one character past it', () => {
    expect(messageLimit(16_000, 16_000)).toEqual({ show: true, left: 0, over: false });
    expect(messageLimit(16_001, 16_000)).toEqual({ show: true, left: -1, over: true });
  });
});
