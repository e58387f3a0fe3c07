import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, executorStub, expectError, expectStatus, signUp } from './helpers';
import {
  eventually,
  marker,
  modelRequests,
  modelStatuses,
  newChat,
  readEvents,
  readUntilDeltas,
  sendStreaming,
  storedMessages,
  streamTurn,
} from './turn-helpers';

const FAULTS: [string, RegExp][] = [
  ['500', /HTTP 500/],
  ['429', /rate limited/],
  ['hang', /did not answer within/],
  ['malformed', /malformed/],
  ['cut', /broke off/],
];

describe('model failures', () => {
  for (const [fault, message] of FAULTS) {
    it(`ends the turn with an error event on ${fault}, keeps the user message, and the next turn works`, async () => {
      const caller = await signUp();
      const chatId = await newChat(caller);
      const events = await streamTurn(caller, chatId, `please answer [[fault:${fault}]]`);
      const names = events.map((e) => e.event);
      expect(names[0]).toBe('user_message');
      expect(names.slice(-3)).toEqual(['error', 'assistant_message', 'done']);
      expect(events.find((e) => e.event === 'error')!.data.message).toMatch(message);

      const partial = events
        .filter((e) => e.event === 'delta')
        .map((e) => e.data.text)
        .join('');
      const stored = await storedMessages(chatId);
      expect(stored.map((m) => [m.role, m.status])).toEqual([
        ['user', 'complete'],
        ['assistant', 'error'],
      ]);
      expect(stored[1].content).toBe(partial);

      const next = await streamTurn(caller, chatId, 'hello again');
      expect(next.at(-2)!.data.message.status).toBe('complete');
      expect((await storedMessages(chatId)).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    });
  }

  it('recovers from a single 500 through the SDK’s own retry', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const tag = marker();
    const events = await streamTurn(caller, chatId, `once ${tag} [[fault:500-once]]`);
    expect(events.map((e) => e.event)).not.toContain('error');
    expect(events.at(-2)!.data.message.status).toBe('complete');
    // The model really failed once: the same request went twice, the first answered 500.
    expect(await modelStatuses(tag)).toEqual([500, 200]);
    const [failed, retried] = await modelRequests(tag);
    expect(retried).toEqual(failed);
  });

  it('answers a failed JSON-mode turn with 502 upstream_error and keeps the user message', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await expectError(await call('POST', `/chats/${chatId}/messages`, { caller, body: { content: 'hi [[fault:500]]' } }), 502, 'upstream_error');
    expect((await storedMessages(chatId))[0]).toMatchObject({ role: 'user', content: 'hi [[fault:500]]' });
  });
});

describe('disconnects, eviction and stop', () => {
  it('finishes and stores the reply when the client disconnects mid-stream', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const response = await sendStreaming(caller, chatId, 'a reply nobody waits for [[tokens:40]] [[delay:20]]');
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    const stored = await eventually(async () => {
      const rows = await storedMessages(chatId);
      return rows.length === 2 ? rows : null;
    });
    expect(stored[1]).toMatchObject({ role: 'assistant', status: 'complete' });
    expect(stored[1].content.split(' ')).toHaveLength(40);
  });

  // evictDurableObject drains in-flight work first (and gives up after 30 s with "active
  // references"), so a reply cut off mid-stream is the harsher abort: the instance dies at once.
  it('stores the partial reply as interrupted after the object dies mid-reply, and takes new turns', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const { reader } = await readUntilDeltas(await sendStreaming(caller, chatId, 'a slow one [[slow]] [[tokens:200]]'), 3);
    await new Promise((r) => setTimeout(r, 300)); // let a checkpoint land
    await abortAllDurableObjects();
    await reader.cancel().catch(() => undefined);

    // The next request wakes the object, which writes the orphaned checkpoint to D1.
    const next = await streamTurn(caller, chatId, 'are you there?');
    expect(next.at(-2)!.data.message.status).toBe('complete');
    const stored = await storedMessages(chatId);
    expect(stored.map((m) => [m.seq, m.role, m.status])).toEqual([
      [1, 'user', 'complete'],
      [2, 'assistant', 'interrupted'],
      [3, 'user', 'complete'],
      [4, 'assistant', 'complete'],
    ]);
    expect(stored[1].content).toMatch(/^token1 token2 token3/);
  });

  it('stops a reply on request and keeps the partial reply as interrupted', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const stream = await readUntilDeltas(await sendStreaming(caller, chatId, 'a long answer [[slow]]'), 1);
    await expectStatus(204, 'POST', `/chats/${chatId}/stop`, { caller });
    const events = await stream.finish();
    expect(events.map((e) => e.event).slice(-2)).toEqual(['assistant_message', 'done']);
    expect(events.map((e) => e.event)).not.toContain('error');
    const stored = await storedMessages(chatId);
    expect(stored[1]).toMatchObject({ role: 'assistant', status: 'interrupted' });
    expect(stored[1].content.length).toBeGreaterThan(0);
    expect(stored[1].content.split(' ').length).toBeLessThan(60);
    await expectStatus(204, 'POST', `/chats/${chatId}/stop`, { caller });
  });

  it('answers a second send on the same chat with 409 busy while a reply streams', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const first = await sendStreaming(caller, chatId, 'slowly [[slow]] [[tokens:10]]');
    await expectError(await sendStreaming(caller, chatId, 'me too'), 409, 'busy');
    await readEvents(first);
    expect((await storedMessages(chatId)).map((m) => m.content)).not.toContain('me too');
  });
});

describe('retries', () => {
  it('stores one user message for the same clientMessageId sent twice, and returns the stored turn', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const clientMessageId = crypto.randomUUID();
    const first = await streamTurn(caller, chatId, 'hello once', { clientMessageId });
    const again = await streamTurn(caller, chatId, 'hello once', { clientMessageId });
    expect(again.map((e) => e.event)).toEqual(['user_message', 'assistant_message', 'done']);
    expect(again[0]!.data.message.id).toBe(first[0]!.data.message.id);
    expect(again[1]!.data.message.id).toBe(first.at(-2)!.data.message.id);
    expect((await storedMessages(chatId)).map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('regenerates the reply when the first attempt failed', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const clientMessageId = crypto.randomUUID();
    // Three failures outlast the SDK's two retries; the user's retry then succeeds.
    const tag = marker();
    const content = `flaky ${tag} [[fault:500x3]]`;
    const failed = await streamTurn(caller, chatId, content, { clientMessageId });
    expect(failed.map((e) => e.event)).toContain('error');
    expect(await modelStatuses(tag)).toEqual([500, 500, 500]);
    const retried = await streamTurn(caller, chatId, content, { clientMessageId });
    expect(await modelStatuses(tag)).toEqual([500, 500, 500, 200]);
    expect(retried[0]!.data.message.id).toBe(failed[0]!.data.message.id);
    expect(retried.at(-2)!.data.message.status).toBe('complete');
    const stored = await storedMessages(chatId);
    expect(stored.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'error'],
      ['assistant', 'complete'],
    ]);
  });
});

describe('retrying after a tool already ran', () => {
  it('does not run the tool again: the retried turn sees the tool calls it completed', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const clientMessageId = crypto.randomUUID();
    const content = `add a task to buy milk ${crypto.randomUUID().slice(0, 6)} [[fault:after-tool-500x3]]`;
    const failed = await streamTurn(caller, chatId, content, { clientMessageId });
    expect(failed.map((e) => e.event)).toEqual(expect.arrayContaining(['tool_call', 'tool_result', 'error']));
    const retried = await streamTurn(caller, chatId, content, { clientMessageId });
    expect(retried.map((e) => e.event)).not.toContain('tool_call');
    expect(retried.at(-2)!.data.message).toMatchObject({ status: 'complete', content: expect.stringContaining('Buy milk') });
    const { tasks } = await expectStatus(200, 'GET', '/tasks', { caller });
    expect(tasks).toHaveLength(1);
  });
});

describe('the outbox', () => {
  it('is never blocked by a message whose chat was deleted', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const orphan = {
      kind: 'message',
      message: {
        id: crypto.randomUUID(),
        chatId: 'deleted-chat',
        seq: 1,
        role: 'user',
        content: 'lost cause',
        toolCalls: null,
        toolCallId: null,
        name: null,
        status: 'complete',
        clientMessageId: null,
        model: null,
        promptTokens: null,
        completionTokens: null,
        timings: null,
        createdAt: Date.now(),
      },
    };
    await runInDurableObject(executorStub(caller), (_i, state) => {
      state.storage.sql.exec('INSERT INTO outbox (entry) VALUES (?)', JSON.stringify(orphan));
    });
    const events = await streamTurn(caller, chatId, 'still works?');
    expect(events.at(-2)!.data.message.status).toBe('complete');
    expect((await storedMessages(chatId)).map((m) => m.role)).toEqual(['user', 'assistant']);
    const pending = await runInDurableObject(
      executorStub(caller),
      (_i, state) => state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM outbox').one().n,
    );
    expect(pending).toBe(0);
  });

  it('deleting a chat mid-reply leaves nothing pending and the executor healthy', async () => {
    const caller = await signUp();
    const doomed = await newChat(caller);
    const { chat: other } = await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } });
    const stream = await readUntilDeltas(await sendStreaming(caller, doomed, 'slowly [[slow]] [[tokens:30]]'), 1);
    await expectStatus(204, 'DELETE', `/chats/${doomed}`, { caller });
    await stream.finish();
    await expectError(await sendStreaming(caller, doomed, 'hello?'), 404, 'not_found');
    expect((await streamTurn(caller, other.id, 'and here?')).at(-2)!.data.message.status).toBe('complete');
    const pending = await runInDurableObject(
      executorStub(caller),
      (_i, state) => state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM outbox').one().n,
    );
    expect(pending).toBe(0);
  });
});
