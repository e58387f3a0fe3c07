import { abortAllDurableObjects, evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { executorStub, signUp } from '../helpers';
import { marker, modelRequests, newChat, readEvents, sendStreaming, storedMessages, streamTurn } from '../turn-helpers';
import type { SseEvent } from '../turn-helpers';

/** Reads a streamed turn until its first event, and hands that over with the rest unread. */
async function firstEvent(response: Response): Promise<{ first: SseEvent; cancel: () => Promise<void> }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('\n\n')) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before its first event: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  const [first] = await readEvents(new Response(text.slice(0, text.indexOf('\n\n') + 2)));
  return { first: first!, cancel: () => reader.cancel().catch(() => undefined) };
}

const eventNames = (events: SseEvent[]) => events.map((e) => e.event).filter((n) => n !== 'delta');

describe('turn start', () => {
  it('answers a retried clientMessageId whose reply is complete with the stored turn, without calling the model', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const m = marker();
    const clientMessageId = crypto.randomUUID();
    const content = `add a task to water the ferns ${m}`;
    const original = await streamTurn(caller, chatId, content, { clientMessageId });
    expect(eventNames(original)).toEqual(['user_message', 'tool_call', 'tool_result', 'assistant_message', 'done']);
    const asked = (await modelRequests(m)).length;

    const retried = await streamTurn(caller, chatId, content, { clientMessageId });
    // After an eviction the window is gone and the stored turn comes from D1.
    await evictDurableObject(executorStub(caller));
    const retriedCold = await streamTurn(caller, chatId, content, { clientMessageId });

    for (const replay of [retried, retriedCold]) {
      expect(eventNames(replay)).toEqual(['user_message', 'tool_call', 'tool_result', 'assistant_message', 'done']);
      const byName = (events: SseEvent[], name: string) => events.find((e) => e.event === name)!.data;
      expect(byName(replay, 'user_message').message.id).toBe(byName(original, 'user_message').message.id);
      expect(byName(replay, 'tool_call')).toEqual(byName(original, 'tool_call'));
      expect(byName(replay, 'assistant_message').message).toEqual(byName(original, 'assistant_message').message);
    }
    expect(await modelRequests(m)).toHaveLength(asked);
    expect((await storedMessages(chatId)).map((row) => row.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });

  it('has the new message in the executor’s outbox before its first event, so a crash right after loses nothing', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const m = marker();
    // A model slow to answer: nothing but the user's message can be stored when the kill comes.
    const { first, cancel } = await firstEvent(await sendStreaming(caller, chatId, `first words ${m} [[delay:1500]] [[tokens:2]]`));
    expect(first.event).toBe('user_message');
    const { outbox, inD1 } = await runInDurableObject(executorStub(caller), async (_i, state) => ({
      outbox: state.storage.sql.exec<{ entry: string }>('SELECT entry FROM outbox').toArray().map((r) => JSON.parse(r.entry)),
      inD1: (await storedMessages(chatId)).length,
    }));
    expect(outbox).toContainEqual({ kind: 'message', message: expect.objectContaining({ id: first.data.message.id, content: expect.stringContaining(m) }) });
    expect(inD1).toBe(0); // the acknowledgment did not wait for D1

    await abortAllDurableObjects();
    await cancel();
    const next = await streamTurn(caller, chatId, 'still there?');
    expect(next.at(-2)!.data.message.status).toBe('complete');
    const stored = await storedMessages(chatId);
    expect(stored.filter((row) => row.content.includes(m)).map((row) => row.id)).toEqual([first.data.message.id]);
    expect(stored.map((row) => [row.seq, row.role])).toEqual([
      [1, 'user'],
      [2, 'user'],
      [3, 'assistant'],
    ]);
  });
});
