import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectError, expectStatus, installWriteCounter, d1Writes, signUp } from './helpers';
import { marker, modelRequests, newChat, sendStreaming, storedMessages, streamTurn } from './turn-helpers';

describe('a streamed chat turn', () => {
  it('streams user_message, deltas, assistant_message and done, and stores both messages', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const events = await streamTurn(caller, chatId, 'Hello there, how do I plan my week?');
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('user_message');
    expect(names.filter((n) => n === 'delta').length).toBeGreaterThanOrEqual(2);
    expect(names.slice(-2)).toEqual(['assistant_message', 'done']);
    expect(names.indexOf('assistant_message')).toBeGreaterThan(names.lastIndexOf('delta'));

    const reply = events.find((e) => e.event === 'assistant_message')!.data.message;
    const streamed = events
      .filter((e) => e.event === 'delta')
      .map((e) => e.data.text)
      .join('');
    expect(reply.content).toBe(streamed);
    expect(reply.status).toBe('complete');
    expect(reply.timings).toMatchObject({ buildMs: expect.any(Number), ttftMs: expect.any(Number), totalMs: expect.any(Number), toolMs: 0 });

    const stored = await storedMessages(chatId);
    expect(stored.map((m) => [m.seq, m.role, m.status])).toEqual([
      [1, 'user', 'complete'],
      [2, 'assistant', 'complete'],
    ]);
    expect(stored[1].content).toBe(streamed);
    const { chat } = await expectStatus(200, 'GET', `/chats/${chatId}`, { caller });
    expect(chat.title).toBe('Hello there, how do I plan my week?');
  });

  it('answers the same stored turn as JSON and through the compatibility /chat endpoint', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const viaJson = await expectStatus(200, 'POST', `/chats/${chatId}/messages`, { caller, body: { content: 'hello' } });
    expect(viaJson.userMessage).toMatchObject({ role: 'user', content: 'hello', seq: 1 });
    expect(viaJson.message).toMatchObject({ role: 'assistant', seq: 2, status: 'complete' });
    expect(viaJson.toolCalls).toEqual([]);

    const viaCompat = await expectStatus(200, 'POST', '/chat', { caller, body: { agent_name: 'assistant', message: 'hello', session_id: chatId } });
    expect(viaCompat).toEqual({ session_id: chatId, response: viaJson.message.content, tool_name: null, tool_input: null, error: null });
    const stored = await storedMessages(chatId);
    expect(stored.map((m) => [m.seq, m.role, m.content])).toEqual([
      [1, 'user', 'hello'],
      [2, 'assistant', viaJson.message.content],
      [3, 'user', 'hello'],
      [4, 'assistant', viaJson.message.content],
    ]);
  });

  it('keeps a turn at two chat_messages writes in D1 however long the reply (300 tokens)', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await installWriteCounter();
    const before = await d1Writes('chat_messages');
    const events = await streamTurn(caller, chatId, 'Tell me a long story [[tokens:300]] [[delay:1]]');
    expect(events.filter((e) => e.event === 'delta')).toHaveLength(300);
    expect((await d1Writes('chat_messages')) - before).toBe(2);
  });
});

describe('tools', () => {
  it('creates a task for the caller only, with tool_call and tool_result events and stored messages', async () => {
    const caller = await signUp();
    const other = await signUp();
    const chatId = await newChat(caller);
    const events = await streamTurn(caller, chatId, 'add a task to buy milk');
    const call = events.find((e) => e.event === 'tool_call')!;
    expect(call.data).toMatchObject({ name: 'create_task', arguments: expect.stringContaining('Buy milk') });
    const result = events.find((e) => e.event === 'tool_result')!;
    expect(result.data.id).toBe(call.data.id);
    expect(JSON.parse(result.data.result).task.title).toBe('Buy milk');
    expect(events.at(-2)!.event).toBe('assistant_message');
    expect(events.at(-2)!.data.message.content).toContain('Buy milk');

    const { tasks } = await expectStatus(200, 'GET', '/tasks', { caller });
    expect(tasks.map((t: { title: string }) => t.title)).toEqual(['Buy milk']);
    expect((await expectStatus(200, 'GET', '/tasks', { caller: other })).tasks).toEqual([]);

    const stored = await storedMessages(chatId);
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(JSON.parse(stored[1].tool_calls)[0].name).toBe('create_task');
    expect(stored[2]).toMatchObject({ tool_call_id: call.data.id, name: 'create_task' });
    expect(stored.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('lists tasks and remembers through tools, with the memory in the next prompt', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await expectStatus(201, 'POST', '/tasks', { caller, body: { title: 'Water the plants' } });
    const listed = await streamTurn(caller, chatId, 'what are my tasks?');
    expect(listed.find((e) => e.event === 'assistant_message')!.data.message.content).toContain('Water the plants');

    await streamTurn(caller, chatId, 'remember that I prefer mornings');
    const { memories } = await expectStatus(200, 'GET', '/agents/assistant/memories', { caller });
    expect(memories.map((m: { content: string }) => m.content)).toEqual(['I prefer mornings']);
    const tag = marker();
    await streamTurn(caller, chatId, `hello ${tag}`);
    const [request] = await modelRequests(tag);
    expect(request.messages[0].content).toContain('I prefer mornings');
  });

  it('stops an endless tool loop after MAX_TOOL_ROUNDS with a clear error', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const tag = marker();
    const events = await streamTurn(caller, chatId, `loop forever [[fault:loop]] ${tag}`);
    const rounds = Number(env.MAX_TOOL_ROUNDS);
    expect(events.filter((e) => e.event === 'tool_call')).toHaveLength(rounds);
    const error = events.find((e) => e.event === 'error')!;
    expect(error.data.message).toMatch(new RegExp(`after ${rounds} rounds`));
    expect(events.at(-1)!.event).toBe('done');
    expect(await modelRequests(tag)).toHaveLength(rounds + 1);
    const stored = await storedMessages(chatId);
    expect(stored.at(-1)).toMatchObject({ role: 'assistant', status: 'error' });
  });
});

describe('prompt and history', () => {
  it('sends updated instructions and a new memory in the very next model request', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await streamTurn(caller, chatId, 'hello');
    await expectStatus(200, 'PUT', '/agents/assistant/instructions', { caller, body: { instructions: 'Always answer like a pirate.' } });
    await expectStatus(201, 'POST', '/agents/assistant/memories', { caller, body: { content: 'My cat is called Miso' } });
    const tag = marker();
    await streamTurn(caller, chatId, `hello again ${tag}`);
    const [request] = await modelRequests(tag);
    expect(request.messages[0].role).toBe('system');
    expect(request.messages[0].content).toContain('Always answer like a pirate.');
    expect(request.messages[0].content).toContain('My cat is called Miso');
  });

  it('sends only the last HISTORY_WINDOW messages of a long chat', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    for (let i = 1; i <= 6; i++) await streamTurn(caller, chatId, `turn number ${i} [[tokens:3]]`);
    const tag = marker();
    await streamTurn(caller, chatId, `the last one ${tag}`);
    const [request] = await modelRequests(tag);
    const window = Number(env.HISTORY_WINDOW);
    const history = request.messages.slice(1, -1);
    expect(history).toHaveLength(window);
    const contents = request.messages.map((m: { content: string }) => m.content).join('\n');
    expect(contents).not.toContain('turn number 1 ');
    expect(contents).not.toContain('turn number 2 ');
    expect(contents).toContain('turn number 6');
    expect(request.messages.at(-1).content).toContain(tag);
  });
});

describe('bad sends', () => {
  it('refuses empty, over-long and malformed messages without writing anything', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await expectError(await call('POST', `/chats/${chatId}/messages`, { caller, body: { content: '   ' } }), 400, 'bad_request');
    await expectError(
      await call('POST', `/chats/${chatId}/messages`, { caller, body: { content: 'x'.repeat(Number(env.MAX_MESSAGE_CHARS) + 1) } }),
      400,
      'bad_request',
    );
    await expectError(await call('POST', `/chats/${chatId}/messages`, { caller, body: { content: 42 } }), 400, 'bad_request');
    expect(await storedMessages(chatId)).toEqual([]);
  });

  it("answers 404 for another user's chat and never runs the turn", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const chatId = await newChat(alice);
    const tag = marker();
    await expectError(await sendStreaming(bob, chatId, `hi ${tag}`), 404, 'not_found');
    await expectError(await call('POST', `/chats/${chatId}/stop`, { caller: bob }), 404, 'not_found');
    await expectError(
      await call('POST', '/chat', { caller: bob, body: { agent_name: 'assistant', message: `hi ${tag}`, session_id: chatId } }),
      404,
      'not_found',
    );
    expect(await storedMessages(chatId)).toEqual([]);
    expect(await modelRequests(tag)).toEqual([]);
  });
});
