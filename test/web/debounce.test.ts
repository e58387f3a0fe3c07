import { describe, expect, it } from 'vitest';
import { Debouncer } from '../../web/src/lib/debounce';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Debouncer (the chat search waits for a pause in typing)', () => {
  it('runs only the last of a burst, once the burst has paused', async () => {
    const debouncer = new Debouncer(40);
    const ran: string[] = [];
    for (const text of ['g', 'gr', 'gro']) {
      debouncer.schedule(() => ran.push(text));
      await wait(10);
    }
    expect(ran).toEqual([]);
    await wait(60);
    expect(ran).toEqual(['gro']);
    expect(debouncer.pending).toBe(false);
  });

  it('drops a cancelled action', async () => {
    const debouncer = new Debouncer(20);
    let ran = false;
    debouncer.schedule(() => (ran = true));
    debouncer.cancel();
    await wait(40);
    expect(ran).toBe(false);
  });
});
