import { describe, expect, it } from 'vitest';
import { DraftStore } from '../../web/src/lib/drafts';
import type { KeyValueStore } from '../../web/src/lib/drafts';

function memoryStorage(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

describe('DraftStore', () => {
  it('keeps one draft per user and chat', () => {
    const drafts = new DraftStore(memoryStorage());
    drafts.set('u1', 'c1', 'hello');
    drafts.set('u1', 'c2', 'other');
    expect(drafts.get('u1', 'c1')).toBe('hello');
    expect(drafts.get('u2', 'c1')).toBe('');
  });

  it('forgets a draft once the server stored it, unless the user typed something new', () => {
    const drafts = new DraftStore(memoryStorage());
    drafts.set('u1', 'c1', 'sent text');
    drafts.settle('u1', 'c1', 'sent text');
    expect(drafts.get('u1', 'c1')).toBe('');
    drafts.set('u1', 'c1', 'newer text');
    drafts.settle('u1', 'c1', 'sent text');
    expect(drafts.get('u1', 'c1')).toBe('newer text');
  });

  it('removes blank drafts and survives a storage that throws', () => {
    const storage = memoryStorage();
    const drafts = new DraftStore(storage);
    drafts.set('u1', 'c1', '   ');
    expect(storage.data.size).toBe(0);
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
    expect(broken.get('u1', 'c1')).toBe('');
  });
});
