import { describe, expect, it } from 'vitest';
import type { LiveFrame, TurnEvent } from '../../src/shared/protocol';
import { addPending, applyTurnEvent, chatItems, emptyConversation } from '../../web/src/lib/conversation';
import type { Conversation } from '../../web/src/lib/conversation';
import { applyLiveFrame, parseLiveFrame, REMOTE_TURN } from '../../web/src/lib/live-frames';
import type { LiveStep, LiveView } from '../../web/src/lib/live-frames';
import { message } from './fixtures';

const user = (seq: number, clientMessageId: string, content = 'hi') => message(seq, { role: 'user', content, clientMessageId });
const view = (conversation: Conversation = emptyConversation()): LiveView => ({ conversation, socketTurn: null });

/** Apply frames in order, as the store does, returning the last step. */
function run(start: LiveView, frames: LiveFrame[], ownTurn: string | null = null): LiveStep {
  let step: LiveStep = { ...start, catchUpThrough: null, remoteTurnEnded: false };
  for (const frame of frames) step = applyLiveFrame(step, frame, ownTurn);
  return step;
}

const text = (c: Conversation) => c.streaming?.text ?? null;

describe('parseLiveFrame', () => {
  it('reads the frames of the protocol and nothing else', () => {
    expect(parseLiveFrame('{"type":"delta","text":"Hi"}')).toEqual({ type: 'delta', text: 'Hi' });
    expect(parseLiveFrame('{"type":"snapshot","lastSeq":3,"inFlight":null}')).toEqual({ type: 'snapshot', lastSeq: 3, inFlight: null });
    expect(parseLiveFrame('pong')).toBeNull();
    expect(parseLiveFrame('{"type":"done"}')).toBeNull();
    expect(parseLiveFrame('{"type":"delta","text":4}')).toBeNull();
    expect(parseLiveFrame('{"type":"user_message","message":{"id":1}}')).toBeNull();
    expect(parseLiveFrame('[1,2]')).toBeNull();
  });

  it("reads another tab's draft frame (SPEC §14), and not a malformed one", () => {
    expect(parseLiveFrame('{"type":"draft","text":"half a thought","updatedAt":12}')).toEqual({ type: 'draft', text: 'half a thought', updatedAt: 12 });
    expect(parseLiveFrame('{"type":"draft","text":"","updatedAt":13}')).toEqual({ type: 'draft', text: '', updatedAt: 13 });
    expect(parseLiveFrame('{"type":"draft","text":"no time"}')).toBeNull();
  });

  it("reads another tab's branch switch (SPEC §16), and not a malformed one", () => {
    expect(parseLiveFrame('{"type":"head","seq":7}')).toEqual({ type: 'head', seq: 7 });
    expect(parseLiveFrame('{"type":"head","seq":"7"}')).toBeNull();
  });
});

describe('a turn sent from another tab', () => {
  it('streams live: the user message, then deltas, then the stored reply ends the stream', () => {
    const base = view({ ...emptyConversation(), messages: [message(1)] });
    const mid = run(base, [
      { type: 'user_message', message: user(2, 'other') },
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo' },
    ]);
    expect(mid.conversation.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(mid.conversation.streaming).toMatchObject({ clientMessageId: REMOTE_TURN, text: 'Hello' });
    expect(chatItems(mid.conversation).at(-1)).toMatchObject({ kind: 'streaming', text: 'Hello' });

    const done = applyLiveFrame(mid, { type: 'assistant_message', message: message(3, { content: 'Hello' }) }, null);
    expect(done.conversation.streaming).toBeNull();
    expect(done.conversation.messages.map((m) => m.content)).toEqual(['message 1', 'hi', 'Hello']);
    expect(done.remoteTurnEnded).toBe(true);
    expect(done.catchUpThrough).toBe(3);
  });

  it('shows tool calls and results as they happen', () => {
    const step = run(view(), [
      { type: 'user_message', message: user(1, 'other') },
      { type: 'tool_call', id: 't1', name: 'create_task', arguments: '{}' },
      { type: 'tool_result', id: 't1', name: 'create_task', result: '{"ok":true}' },
    ]);
    expect(chatItems(step.conversation).at(-1)).toMatchObject({ kind: 'streaming', tools: [{ id: 't1', result: '{"ok":true}' }] });
  });

  it('records a failed reply on its user message and stops streaming', () => {
    const step = run(view(), [
      { type: 'user_message', message: user(1, 'other') },
      { type: 'delta', text: 'par' },
      { type: 'error', code: 'upstream_error', message: 'The model failed' },
    ]);
    expect(step.conversation.streaming).toBeNull();
    expect(step.conversation.replyErrors.other?.code).toBe('upstream_error');
  });
});

describe('this tab’s own turn, on both its SSE stream and the socket', () => {
  it('never doubles a delta, whichever copy of the user message comes first', () => {
    let c = addPending(emptyConversation(), { clientMessageId: 'mine', content: 'hi', createdAt: 1 });
    let live: LiveView = view(c);
    const sse = (e: TurnEvent) => (c = applyTurnEvent(c, 'mine', e));
    const socket = (f: LiveFrame) => {
      live = applyLiveFrame({ ...live, conversation: c }, f, 'mine');
      c = live.conversation;
    };
    socket({ type: 'user_message', message: user(1, 'mine') });
    sse({ event: 'user_message', data: { message: user(1, 'mine') } });
    sse({ event: 'delta', data: { text: 'Hel' } });
    socket({ type: 'delta', text: 'Hel' });
    socket({ type: 'delta', text: 'lo' });
    sse({ event: 'delta', data: { text: 'lo' } });
    expect(text(c)).toBe('Hello');
    expect(c.pending).toEqual([]);
    socket({ type: 'assistant_message', message: message(2, { content: 'Hello' }) });
    sse({ event: 'assistant_message', data: { message: message(2, { content: 'Hello' }) } });
    sse({ event: 'done', data: {} });
    expect(c.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(chatItems(c).map((i) => i.kind)).toEqual(['message', 'message']);
  });

  it('ignores socket copies that arrive before the socket names the turn', () => {
    const c = applyTurnEvent(emptyConversation(), 'mine', { event: 'delta', data: { text: 'Hi' } });
    const step = run(view(c), [{ type: 'delta', text: 'Hi' }], 'mine');
    expect(text(step.conversation)).toBe('Hi');
  });

  it('does not let a stray copy after its SSE stream ended linger as a second reply', () => {
    const step = run({ conversation: emptyConversation(), socketTurn: 'own' }, [
      { type: 'delta', text: 'late' },
      { type: 'assistant_message', message: message(2, { content: 'late' }) },
    ]);
    expect(step.conversation.streaming).toBeNull();
    expect(step.conversation.messages).toHaveLength(1);
  });

  it('still follows another tab while its own send is refused as busy', () => {
    const c = addPending(emptyConversation(), { clientMessageId: 'mine', content: 'me too', createdAt: 1 });
    const step = run(
      view(c),
      [
        { type: 'user_message', message: user(1, 'other') },
        { type: 'delta', text: 'Hi' },
      ],
      'mine',
    );
    expect(step.conversation.streaming).toMatchObject({ clientMessageId: REMOTE_TURN, text: 'Hi' });
    expect(step.conversation.pending.map((p) => p.clientMessageId)).toEqual(['mine']);
  });
});

describe('the snapshot on (re)connect', () => {
  it('resumes a reply in flight from its partial text with no gap and no duplicate', () => {
    const base = view({ ...emptyConversation(), messages: [message(1), user(2, 'before-reload')] });
    const step = run(base, [
      { type: 'snapshot', lastSeq: 2, inFlight: { messageId: 'r3', text: 'token1 token2', toolCalls: [] } },
      { type: 'delta', text: ' token3' },
    ]);
    expect(text(step.conversation)).toBe('token1 token2 token3');
    const done = applyLiveFrame(step, { type: 'assistant_message', message: message(3, { content: 'token1 token2 token3' }) }, null);
    expect(done.conversation.streaming).toBeNull();
    expect(chatItems(done.conversation).filter((i) => i.kind !== 'message')).toEqual([]);
  });

  it('asks for the messages stored while the socket was down', () => {
    const step = run(view({ ...emptyConversation(), messages: [message(1), message(2)] }), [{ type: 'snapshot', lastSeq: 6, inFlight: null }]);
    expect(step.catchUpThrough).toBe(6);
  });

  it('drops a followed reply that ended while disconnected; the catch-up brings it', () => {
    const following: LiveView = {
      conversation: { ...emptyConversation(), streaming: { clientMessageId: REMOTE_TURN, text: 'par', toolCalls: [], toolResults: {} } },
      socketTurn: 'remote',
    };
    const step = run(following, [{ type: 'snapshot', lastSeq: 4, inFlight: null }]);
    expect(step.conversation.streaming).toBeNull();
    expect(step.remoteTurnEnded).toBe(true);
  });

  it('leaves a reply this tab streams over SSE to its SSE stream', () => {
    const c = applyTurnEvent(emptyConversation(), 'mine', { event: 'delta', data: { text: 'token1' } });
    const step = run(
      view(c),
      [
        { type: 'snapshot', lastSeq: 1, inFlight: { messageId: 'r2', text: 'token1', toolCalls: [] } },
        { type: 'delta', text: ' token2' },
      ],
      'mine',
    );
    expect(step.conversation.streaming).toMatchObject({ clientMessageId: 'mine', text: 'token1' });
  });

  it('in a tool round shows the calls, leaving the round’s stored text to the catch-up', () => {
    const call = { id: 't1', name: 'list_tasks', arguments: '{}' };
    const step = run(view(), [{ type: 'snapshot', lastSeq: 2, inFlight: { messageId: 'r2', text: 'Let me look', toolCalls: [call] } }]);
    expect(step.conversation.streaming).toMatchObject({ text: '', toolCalls: [call] });
  });
});
