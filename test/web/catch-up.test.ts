import { describe, expect, it } from 'vitest';
import { catchUpAfter, chatItems, contiguousEnd, emptyConversation } from '../../web/src/lib/conversation';
import type { Conversation } from '../../web/src/lib/conversation';
import { message } from './fixtures';

const withMessages = (...seqs: number[]): Conversation => ({ ...emptyConversation(), messages: seqs.map((s) => message(s)) });

describe('contiguousEnd', () => {
  it('is where the unbroken run from the oldest held message ends', () => {
    expect(contiguousEnd([])).toBe(0);
    expect(contiguousEnd(withMessages(51, 52, 53).messages)).toBe(53);
    expect(contiguousEnd(withMessages(1, 2, 5, 6).messages)).toBe(2);
  });
});

describe('catchUpAfter', () => {
  it('asks for nothing when the tab already holds everything through the seq', () => {
    expect(catchUpAfter(withMessages(1, 2, 3), 3)).toBeNull();
    expect(catchUpAfter(withMessages(1, 2, 3), 2)).toBeNull();
  });

  it('fetches after the newest message when a snapshot says the chat went further', () => {
    expect(catchUpAfter(withMessages(1, 2, 3), 7)).toBe(3);
    expect(catchUpAfter(emptyConversation(), 2)).toBe(0);
  });

  it('fills the tool rounds that arrived without a frame before a final reply', () => {
    // user 4 came live, the tool call (5) and its result (6) were stored silently, the reply is 7
    expect(catchUpAfter(withMessages(1, 2, 3, 4, 7), 7)).toBe(4);
  });
});

describe('chatItems with a caught-up tool round', () => {
  it('shows a tool call once when both the stored round and the live reply hold it', () => {
    const call = { id: 't1', name: 'create_task', arguments: '{}' };
    const c: Conversation = {
      ...emptyConversation(),
      messages: [message(1, { role: 'user', content: 'add' }), message(2, { content: '', toolCalls: [call] })],
      streaming: { clientMessageId: 'live', text: 'Added', toolCalls: [call], toolResults: {} },
    };
    const items = chatItems(c);
    const chips = items.flatMap((i) => (i.kind === 'message' || i.kind === 'streaming' ? i.tools.map((t) => t.id) : []));
    expect(chips).toEqual(['t1']);
    // At the top of the reply streaming now, not as a row of its own (issue 18 item 14).
    expect(items.map((i) => i.kind)).toEqual(['message', 'streaming']);
    expect(items.at(-1)).toMatchObject({ kind: 'streaming', text: 'Added', tools: [{ id: 't1' }] });
  });
});
