import { describe, expect, it } from 'vitest';
import type { TurnEvent } from '../../src/shared/protocol';
import { addPending, applyTurnEvent, chatItems, emptyConversation, mergeMessages } from '../../web/src/lib/conversation';
import type { Conversation } from '../../web/src/lib/conversation';
import { reuseItems, sameData } from '../../web/src/lib/stable-items';
import { message } from './fixtures';

/** A long chat with a reply streaming into it, as the store holds it after `tokens` deltas. */
function streamingInto(history: number, tokens: number): Conversation {
  const messages = Array.from({ length: history }, (_, i) => message(i + 1, { role: i % 2 ? 'assistant' : 'user' }));
  let c: Conversation = { ...emptyConversation(), messages: mergeMessages([], messages) };
  c = addPending(c, { clientMessageId: 'cm1', content: 'go on', createdAt: 1 });
  const events: TurnEvent[] = [{ event: 'user_message', data: { message: message(history + 1, { role: 'user', content: 'go on', clientMessageId: 'cm1' }) } }];
  for (let i = 1; i <= tokens; i++) events.push({ event: 'delta', data: { text: ` token${i}` } });
  return events.reduce((acc, e) => applyTurnEvent(acc, 'cm1', e), c);
}

describe('reuseItems', () => {
  it('keeps every finished row as the same object while a reply streams, and only the streaming row changes', () => {
    let shown = reuseItems([], chatItems(streamingInto(500, 1)));
    const before = [...shown];
    for (let tokens = 2; tokens <= 20; tokens++) shown = reuseItems(shown, chatItems(streamingInto(500, tokens)));
    expect(shown).toHaveLength(before.length);
    const changed = shown.filter((item, i) => item !== before[i]);
    expect(changed.map((item) => item.kind)).toEqual(['streaming']);
    expect(changed[0]).toMatchObject({ text: expect.stringContaining('token20') });
  });

  it('answers the previous list itself when nothing changed', () => {
    const shown = reuseItems([], chatItems(streamingInto(10, 3)));
    expect(reuseItems(shown, chatItems(streamingInto(10, 3)))).toBe(shown);
  });

  it('takes the new row when a message with the same key changed (a stopped reply stored, a copy with new content)', () => {
    const c = { ...emptyConversation(), messages: [message(1, { role: 'user' }), message(2, { content: 'draft' })] };
    const shown = reuseItems([], chatItems(c));
    const next = reuseItems(shown, chatItems({ ...c, messages: [c.messages[0]!, message(2, { content: 'final', status: 'interrupted' })] }));
    expect(next[0]).toBe(shown[0]);
    expect(next[1]).not.toBe(shown[1]);
    expect(next[1]).toMatchObject({ kind: 'message', message: { content: 'final', status: 'interrupted' } });
  });

  it('keeps a row whose message arrived again as an equal copy (a catch-up page)', () => {
    const c = { ...emptyConversation(), messages: [message(1, { role: 'user' }), message(2)] };
    const shown = reuseItems([], chatItems(c));
    const next = reuseItems(shown, chatItems({ ...c, messages: mergeMessages(c.messages, [message(2)]) }));
    expect(next).toBe(shown);
  });
});

describe('sameData', () => {
  it('compares plain data deeply', () => {
    expect(sameData({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] })).toBe(true);
    expect(sameData({ a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] })).toBe(false);
    expect(sameData({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameData([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(sameData(null, {})).toBe(false);
  });
});
