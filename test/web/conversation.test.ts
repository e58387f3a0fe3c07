import { describe, expect, it } from 'vitest';
import type { TurnEvent } from '../../src/shared/protocol';
import { addPending, applyTurnEvent, chatItems, describeTimings, emptyConversation, failPending, mergeMessages } from '../../web/src/lib/conversation';
import type { Conversation } from '../../web/src/lib/conversation';
import { message } from './fixtures';

const apply = (c: Conversation, ...events: TurnEvent[]) => events.reduce((acc, e) => applyTurnEvent(acc, 'cm1', e), c);

describe('mergeMessages', () => {
  it('keeps one copy per id in seq order, the newest copy winning', () => {
    const merged = mergeMessages([message(3), message(1)], [message(2), message(3, { content: 'edited' })]);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(merged.at(-1)?.content).toBe('edited');
  });
});

describe('applyTurnEvent', () => {
  it('replaces the pending message with the stored one on user_message', () => {
    const sending = addPending(emptyConversation(), { clientMessageId: 'cm1', content: 'hi', createdAt: 1 });
    const acked = apply(sending, { event: 'user_message', data: { message: message(1, { role: 'user', content: 'hi', clientMessageId: 'cm1' }) } });
    expect(acked.pending).toEqual([]);
    expect(acked.messages.map((m) => m.id)).toEqual(['m1']);
    expect(acked.streaming?.clientMessageId).toBe('cm1');
  });

  it('accumulates deltas and hands the text to the stored assistant message', () => {
    const c = apply(emptyConversation(), { event: 'delta', data: { text: 'Hel' } }, { event: 'delta', data: { text: 'lo' } });
    expect(c.streaming?.text).toBe('Hello');
    const stored = apply(c, { event: 'assistant_message', data: { message: message(2, { content: 'Hello' }) } });
    expect(stored.streaming?.text).toBe('');
    expect(stored.messages.map((m) => m.content)).toEqual(['Hello']);
    expect(apply(stored, { event: 'done', data: {} }).streaming).toBeNull();
  });

  it('applying the same stored message twice keeps one copy', () => {
    const event: TurnEvent = { event: 'assistant_message', data: { message: message(2) } };
    expect(apply(emptyConversation(), event, event).messages).toHaveLength(1);
  });

  it('records an error after the acknowledgment as a reply error, not a failed send', () => {
    const sending = addPending(emptyConversation(), { clientMessageId: 'cm1', content: 'hi', createdAt: 1 });
    const c = apply(
      sending,
      { event: 'user_message', data: { message: message(1, { role: 'user', clientMessageId: 'cm1' }) } },
      { event: 'error', data: { code: 'upstream_error', message: 'The model failed' } },
    );
    expect(c.pending).toEqual([]);
    expect(c.replyErrors.cm1?.code).toBe('upstream_error');
    const failed = chatItems(c).find((i) => i.kind === 'failed');
    expect(failed?.kind === 'failed' && failed.failed).toEqual({ clientMessageId: 'cm1', error: { code: 'upstream_error', message: 'The model failed' }, partial: null, tools: [] });
  });

  it('shows tool calls as chips with their results while streaming and after storing', () => {
    const c = apply(
      emptyConversation(),
      { event: 'tool_call', data: { id: 't1', name: 'create_task', arguments: '{"title":"Buy milk"}' } },
      { event: 'tool_result', data: { id: 't1', name: 'create_task', result: '{"ok":true}' } },
    );
    const streaming = chatItems(c).at(-1);
    expect(streaming?.kind === 'streaming' && streaming.tools).toEqual([
      { id: 't1', name: 'create_task', arguments: '{"title":"Buy milk"}', result: '{"ok":true}' },
    ]);

    const stored: Conversation = {
      ...emptyConversation(),
      messages: [
        message(1, { content: '', toolCalls: [{ id: 't1', name: 'create_task', arguments: '{}' }] }),
        message(2, { role: 'tool', content: '{"ok":true}', toolCallId: 't1' }),
        message(3, { content: 'Done' }),
      ],
    };
    // One row: the reply, with the tool it ran at its top (issue 18 item 14).
    const items = chatItems(stored);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'message', key: 'm3', tools: [{ id: 't1', result: '{"ok":true}' }] });
  });

  it('puts every tool round of a turn on the reply it led to, and nothing on the next turn', () => {
    const c: Conversation = {
      ...emptyConversation(),
      messages: [
        message(1, { role: 'user', content: 'add two' }),
        message(2, { content: '', toolCalls: [{ id: 't1', name: 'create_task', arguments: '{}' }] }),
        message(3, { role: 'tool', content: '{"ok":1}', toolCallId: 't1' }),
        message(4, { content: '', toolCalls: [{ id: 't2', name: 'create_task', arguments: '{}' }] }),
        message(5, { role: 'tool', content: '{"ok":2}', toolCallId: 't2' }),
        message(6, { content: 'Added both' }),
        message(7, { role: 'user', content: 'thanks' }),
        message(8, { content: 'You are welcome' }),
      ],
    };
    const items = chatItems(c);
    expect(items.map((i) => i.key)).toEqual(['m1', 'm6', 'm7', 'm8']);
    expect(items[1]?.kind === 'message' && items[1].tools.map((t) => t.result)).toEqual(['{"ok":1}', '{"ok":2}']);
    expect(items[3]?.kind === 'message' && items[3].tools).toEqual([]);
  });

  it('keeps the chips at the top of the reply from the first tool call to the stored reply', () => {
    const call = { id: 't1', name: 'create_task', arguments: '{}' };
    const asked = apply(emptyConversation(), { event: 'user_message', data: { message: message(1, { role: 'user', clientMessageId: 'cm1' }) } });
    const live = apply(asked, { event: 'tool_call', data: call }, { event: 'tool_result', data: { id: 't1', name: 'create_task', result: '{}' } }, { event: 'delta', data: { text: 'Done' } });
    expect(chatItems(live).map((i) => [i.kind, i.kind === 'streaming' ? i.tools.map((t) => t.id) : null])).toEqual([
      ['message', null],
      ['streaming', ['t1']],
    ]);
    // The reply is stored before `done` and the catch-up: its row already has the chip, no second row.
    const stored = apply(live, { event: 'assistant_message', data: { message: message(3, { content: 'Done' }) } });
    const items = chatItems(stored);
    expect(items.map((i) => i.key)).toEqual(['m1', 'm3']);
    expect(items[1]?.kind === 'message' && items[1].tools.map((t) => t.id)).toEqual(['t1']);
    // After the catch-up and `done`, the same.
    const caughtUp = apply(
      { ...stored, messages: mergeMessages(stored.messages, [message(2, { content: '', toolCalls: [call] }), message(4, { role: 'tool', toolCallId: 't1' })]) },
      { event: 'done', data: {} },
    );
    expect(chatItems(caughtUp).map((i) => [i.key, i.kind === 'message' ? i.tools.map((t) => t.id) : null])).toEqual([
      ['m1', []],
      ['m3', ['t1']],
    ]);
  });

  it('shows the tools of a failed turn in its failed row, and a stored tool round with no reply yet as its own row', () => {
    const call = { id: 't1', name: 'create_task', arguments: '{}' };
    const failed: Conversation = {
      ...emptyConversation(),
      messages: [
        message(1, { role: 'user', clientMessageId: 'cm1' }),
        message(2, { content: '', toolCalls: [call] }),
        message(3, { role: 'tool', content: '{}', toolCallId: 't1' }),
        message(4, { content: '', status: 'error' }),
      ],
    };
    const items = chatItems(failed);
    expect(items.map((i) => i.kind)).toEqual(['message', 'failed']);
    expect(items[1]?.kind === 'failed' && items[1].failed.tools.map((t) => t.id)).toEqual(['t1']);
    const unanswered: Conversation = { ...failed, messages: failed.messages.slice(0, 3) };
    expect(chatItems(unanswered).map((i) => i.key)).toEqual(['m1', 'm2']);
  });
});

describe('failPending', () => {
  it('marks an unacknowledged message failed so it can be retried', () => {
    const c = failPending(addPending(emptyConversation(), { clientMessageId: 'cm1', content: 'hi', createdAt: 1 }), 'cm1', { code: 'busy', message: 'busy' });
    expect(c.pending[0]?.state).toBe('failed');
    const retried = addPending(c, { clientMessageId: 'cm1', content: 'hi', createdAt: 2 });
    expect(retried.pending).toHaveLength(1);
    expect(retried.pending[0]?.state).toBe('sending');
  });
});

describe('describeTimings', () => {
  it('reads as a sentence', () => {
    expect(describeTimings({ buildMs: 5, ttftMs: 120, totalMs: 1400, toolMs: 0 })).toBe('First token 120 ms · total 1.4 s');
    expect(describeTimings(null)).toBeNull();
  });
});

describe('a failed reply', () => {
  const ask = message(1, { role: 'user', content: 'plan my week', clientMessageId: 'cm1' });
  const failedReply = message(2, { content: '', status: 'error' });
  const kinds = (c: Conversation) => chatItems(c).map((i) => (i.kind === 'message' ? i.message.role : i.kind));

  it('shows once, in the reply’s place, from the live error through the stored failure to `done`', () => {
    const sending = addPending(emptyConversation(), { clientMessageId: 'cm1', content: 'plan my week', createdAt: 1 });
    const errored = apply(sending, { event: 'user_message', data: { message: ask } }, { event: 'error', data: { code: 'upstream_error', message: 'The model failed' } });
    const stored = apply(errored, { event: 'assistant_message', data: { message: failedReply } });
    const done = apply(stored, { event: 'done', data: {} });
    for (const c of [errored, stored, done]) {
      expect(kinds(c)).toEqual(['user', 'failed']);
      expect(chatItems(c)[1]?.key).toBe('failed:cm1');
    }
  });

  it('is known from the stored status after a reload, with Retry on the question', () => {
    const reloaded: Conversation = { ...emptyConversation(), messages: [ask, failedReply] };
    expect(kinds(reloaded)).toEqual(['user', 'failed']);
    const failed = chatItems(reloaded)[1];
    expect(failed?.kind === 'failed' && failed.failed).toEqual({ clientMessageId: 'cm1', error: null, partial: null, tools: [] });
  });

  it('keeps what it wrote before it failed', () => {
    const partial = message(2, { content: 'Monday: ', status: 'error' });
    const failed = chatItems({ ...emptyConversation(), messages: [ask, partial] })[1];
    expect(failed?.kind === 'failed' && failed.failed.partial?.content).toBe('Monday: ');
  });

  it('is replaced in place by the retry: no second copy of the question, then one reply', () => {
    const failedTurn: Conversation = { ...emptyConversation(), messages: [ask, failedReply], replyErrors: { cm1: { code: 'upstream_error', message: 'x' } } };
    const retrying = addPending(failedTurn, { clientMessageId: 'cm1', content: 'plan my week', createdAt: 2 });
    expect(kinds(retrying)).toEqual(['user']);
    const streaming = apply(retrying, { event: 'user_message', data: { message: ask } }, { event: 'delta', data: { text: 'Mon' } });
    expect(kinds(streaming)).toEqual(['user', 'streaming']);
    const answered = apply(streaming, { event: 'assistant_message', data: { message: message(3, { content: 'Monday: gym' }) } }, { event: 'done', data: {} });
    expect(kinds(answered)).toEqual(['user', 'assistant']);
    expect(chatItems(answered).map((i) => i.key)).toEqual(['m1', 'm3']);
  });

  it('a retry refused before it reached the server says so in the same row, without a second copy of the question', () => {
    const failedTurn: Conversation = { ...emptyConversation(), messages: [ask, failedReply] };
    const retried = addPending(failedTurn, { clientMessageId: 'cm1', content: 'plan my week', createdAt: 2 });
    const refused = failPending(retried, 'cm1', { code: 'busy', message: 'Still answering' });
    expect(kinds(refused)).toEqual(['user', 'failed']);
    const failed = chatItems(refused)[1];
    expect(failed?.kind === 'failed' && failed.failed.error?.message).toBe('Still answering');
    // A sign-in asked for in place keeps its copy: that is where the form is.
    expect(kinds(failPending(retried, 'cm1', { code: 'unauthorized', message: 'Sign in' }, 'unauthorized'))).toEqual(['user', 'failed', 'pending']);
  });
});

