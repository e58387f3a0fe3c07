import { describe, expect, it } from 'vitest';
import { DraftStore } from '../../web/src/lib/drafts';
import type { KeyValueStore } from '../../web/src/lib/drafts';

function memoryStorage(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

describe('DraftStore (the offline fallback of server drafts)', () => {
  it('keeps one draft per user and chat, with when it was typed', () => {
    const drafts = new DraftStore(memoryStorage());
    drafts.set('u1', 'c1', 'hello', 10);
    drafts.set('u1', 'c2', 'other', 20);
    expect(drafts.get('u1', 'c1')).toEqual({ text: 'hello', updatedAt: 10 });
    expect(drafts.get('u2', 'c1')).toBeNull();
  });

  it('keeps a cleared draft until the server has heard of it, and forgets only the text the server got', () => {
    const drafts = new DraftStore(memoryStorage());
    drafts.set('u1', 'c1', '', 5);
    expect(drafts.get('u1', 'c1')).toEqual({ text: '', updatedAt: 5 });
    drafts.set('u1', 'c1', 'newer', 6);
    drafts.forget('u1', 'c1', '');
    expect(drafts.get('u1', 'c1')?.text).toBe('newer');
    drafts.forget('u1', 'c1', 'newer');
    expect(drafts.get('u1', 'c1')).toBeNull();
  });

  it('forgets a draft once the server stored it as a message, unless the user typed something new', () => {
    const drafts = new DraftStore(memoryStorage());
    drafts.set('u1', 'c1', 'sent text');
    drafts.settle('u1', 'c1', 'sent text');
    expect(drafts.get('u1', 'c1')).toBeNull();
    drafts.set('u1', 'c1', 'newer text');
    drafts.settle('u1', 'c1', 'sent text');
    expect(drafts.get('u1', 'c1')?.text).toBe('newer text');
  });

  it('reads a plain-text draft of an older version as older than any server draft, and survives a storage that throws', () => {
    const storage = memoryStorage();
    storage.data.set('clarity:draft:u1:c1', 'from before');
    expect(new DraftStore(storage).get('u1', 'c1')).toEqual({ text: 'from before', updatedAt: 0 });
    const broken = new DraftStore({
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('quota');
      },
      removeItem: () => undefined,
    });
    expect(() => broken.set('u1', 'c1', 'x')).not.toThrow();
    expect(broken.get('u1', 'c1')).toBeNull();
  });
});
