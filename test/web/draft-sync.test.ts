import { describe, expect, it } from 'vitest';
import { DraftSync } from '../../web/src/lib/draft-sync';
import { DraftStore } from '../../web/src/lib/drafts';
import type { KeyValueStore } from '../../web/src/lib/drafts';

const SAVE_DELAY_MS = 20;
const EDIT_GRACE_MS = 1_000;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function memoryStorage(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

/** A DraftSync over an in-memory localStorage, a recording server and a clock the test moves. */
function setup({ fail = false } = {}) {
  const local = new DraftStore(memoryStorage());
  const saved: { chatId: string; text: string }[] = [];
  const clock = { now: 1_000_000 };
  const server = {
    fail,
    /** Each save waits this long: a save can be "on its way". */
    latencyMs: 0,
  };
  const sync = new DraftSync({
    local,
    saveDelayMs: SAVE_DELAY_MS,
    editGraceMs: EDIT_GRACE_MS,
    now: () => clock.now,
    save: async (chatId, text) => {
      if (server.latencyMs) await wait(server.latencyMs);
      if (server.fail) throw new Error('offline');
      saved.push({ chatId, text });
    },
  });
  return { sync, local, saved, clock, server };
}

describe('DraftSync (the composer saves as the user types)', () => {
  it('saves once typing pauses, only the last text, and then needs no local copy', async () => {
    const { sync, local, saved } = setup();
    expect(sync.open('u1', 'c1', null)).toBe('');
    for (const text of ['H', 'He', 'Hel', 'Hello']) {
      sync.typed(text);
      await wait(5);
    }
    expect(saved).toEqual([]);
    expect(local.get('u1', 'c1')?.text).toBe('Hello');
    await wait(SAVE_DELAY_MS * 3);
    expect(saved).toEqual([{ chatId: 'c1', text: 'Hello' }]);
    expect(local.get('u1', 'c1')).toBeNull();
  });

  it('starts from the server draft, unless a newer local one never reached it (then pushes that)', async () => {
    const { sync, local, saved, clock } = setup();
    local.set('u1', 'c1', 'older, typed here', clock.now - 5_000);
    expect(sync.open('u1', 'c1', { text: 'typed on the phone', updatedAt: clock.now - 1_000 })).toBe('typed on the phone');
    expect(local.get('u1', 'c1')).toBeNull();

    local.set('u1', 'c2', 'typed offline', clock.now);
    expect(sync.open('u1', 'c2', { text: 'stale', updatedAt: clock.now - 60_000 })).toBe('typed offline');
    await sync.flush();
    expect(saved).toEqual([{ chatId: 'c2', text: 'typed offline' }]);
    expect(local.get('u1', 'c2')).toBeNull();
  });

  it("takes another tab's draft when idle, keeps the local text while the user types, and ignores stale or foreign frames", async () => {
    const { sync, clock } = setup();
    sync.open('u1', 'c1', { text: 'first', updatedAt: 100 });
    expect(sync.remote('c1', { text: 'from tab B', updatedAt: 200 })).toBe('from tab B');
    expect(sync.remote('c1', { text: 'an older frame', updatedAt: 150 })).toBeNull();
    expect(sync.remote('other-chat', { text: 'elsewhere', updatedAt: 300 })).toBeNull();

    sync.typed('mine, being typed');
    expect(sync.remote('c1', { text: 'from tab B again', updatedAt: 400 })).toBeNull();
    await sync.flush();
    expect(sync.remote('c1', { text: 'still typing a moment ago', updatedAt: 500 })).toBeNull();
    clock.now += EDIT_GRACE_MS + 1;
    expect(sync.remote('c1', { text: 'after a pause', updatedAt: 600 })).toBe('after a pause');
  });

  it('a sent message cancels the pending save; the acknowledgment forgets the local copy', async () => {
    const { sync, local, saved } = setup();
    sync.open('u1', 'c1', null);
    sync.typed('Send me');
    sync.sent();
    await wait(SAVE_DELAY_MS * 3);
    expect(saved).toEqual([]);
    expect(local.get('u1', 'c1')?.text).toBe('Send me');
    sync.acknowledged('c1', 'Send me', () => '');
    expect(local.get('u1', 'c1')).toBeNull();
  });

  it('a save still on its way when the message was sent is overwritten after the acknowledgment', async () => {
    const { sync, saved, server } = setup();
    sync.open('u1', 'c1', null);
    server.latencyMs = 30;
    sync.typed('Send me');
    const landing = sync.flush();
    sync.sent();
    sync.acknowledged('c1', 'Send me', () => '');
    await landing;
    await wait(60);
    expect(saved).toEqual([
      { chatId: 'c1', text: 'Send me' },
      { chatId: 'c1', text: '' },
    ]);
  });

  it('keeps the text locally when the server cannot be reached, and resume() delivers it', async () => {
    const { sync, local, saved, server } = setup({ fail: true });
    sync.open('u1', 'c1', null);
    sync.typed('written on a train');
    await sync.flush();
    expect(local.get('u1', 'c1')?.text).toBe('written on a train');
    server.fail = false;
    sync.resume();
    await sync.flush();
    expect(saved).toEqual([{ chatId: 'c1', text: 'written on a train' }]);
    expect(local.get('u1', 'c1')).toBeNull();
  });

  it('leaving the chat saves what was typed at once', async () => {
    const { sync, saved } = setup();
    sync.open('u1', 'c1', null);
    sync.typed('half a thought');
    sync.open('u1', 'c2', null);
    await sync.flush();
    expect(saved).toEqual([{ chatId: 'c1', text: 'half a thought' }]);
  });
});
