/** The older contract, POST /api/chat (SPEC §5 Compatibility): agent_id, SSE, and no session_id. */
import { shardOf } from './shard-helpers';
import { describe, expect, it } from 'vitest';
import { call, expectStatus, signUp } from './helpers';
import type { Caller } from './helpers';
import { readEvents, storedMessages } from './turn-helpers';

const compat = (caller: Caller, body: Record<string, unknown>) => expectStatus(200, 'POST', '/chat', { caller, body });

async function compatStream(caller: Caller, body: Record<string, unknown>) {
  const response = await call('POST', '/chat', { caller, body, headers: { Accept: 'text/event-stream' } });
  expect(response.status).toBe(200);
  expect(response.headers.get('Content-Type')).toMatch(/^text\/event-stream/);
  return readEvents(response);
}

async function chatsOf(caller: Caller) {
  const { results } = await (await shardOf(caller.userId)).prepare('SELECT id, agent_name FROM chats WHERE user_id = ? ORDER BY created_at')
    .bind(caller.userId)
    .all<{ id: string; agent_name: string }>();
  return results;
}

describe('the compatibility /chat endpoint', () => {
  it('takes agent_id in place of agent_name, and answers the tool it used', async () => {
    const caller = await signUp();
    const answer = await compat(caller, { agent_id: 'assistant', message: 'add a task to buy milk' });
    expect(answer).toMatchObject({ response: expect.stringContaining('Buy milk'), tool_name: 'create_task', tool_input: { title: 'Buy milk' }, error: null });
    expect(await chatsOf(caller)).toEqual([{ id: answer.session_id, agent_name: 'assistant' }]);
    const { tasks } = await expectStatus(200, 'GET', '/tasks', { caller });
    expect(tasks.map((t: { title: string }) => t.title)).toEqual(['Buy milk']);

    // agent_id picks the agent: a notes chat, apart from the assistant's.
    const notes = await compat(caller, { agent_id: 'notes', message: 'hello' });
    expect(notes.session_id).not.toBe(answer.session_id);
    expect((await chatsOf(caller)).find((c) => c.id === notes.session_id)?.agent_name).toBe('notes');
  });

  it('without session_id creates a chat the first time, then talks in the most recently updated one', async () => {
    const caller = await signUp();
    const first = await compat(caller, { agent_name: 'assistant', message: 'hello' });
    const second = await compat(caller, { agent_name: 'assistant', message: 'hello again' });
    expect(second.session_id).toBe(first.session_id);
    expect((await storedMessages(first.session_id)).map((m) => m.content)).toEqual(['hello', first.response, 'hello again', second.response]);

    await new Promise((resolve) => setTimeout(resolve, 3)); // a distinct update time
    const { chat: newer } = await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } });
    const third = await compat(caller, { agent_name: 'assistant', message: 'and now?' });
    expect(third.session_id).toBe(newer.id);
    expect((await chatsOf(caller)).map((c) => c.id)).toEqual([first.session_id, newer.id]);
  });

  it('streams the turn as SSE when asked, with or without session_id', async () => {
    const caller = await signUp();
    // No chat yet and no session_id: the streamed turn lands in a new chat.
    const greeting = await compatStream(caller, { agent_name: 'assistant', message: 'hello' });
    expect(greeting.map((e) => e.event).slice(-2)).toEqual(['assistant_message', 'done']);
    const [created, ...others] = await chatsOf(caller);
    expect(others).toEqual([]);
    expect((await storedMessages(created!.id)).map((m) => m.id)).toEqual([greeting[0]!.data.message.id, greeting.at(-2)!.data.message.id]);

    // Named by session_id, the turn goes to that chat, though a newer one exists.
    await new Promise((resolve) => setTimeout(resolve, 3));
    const { chat: newer } = await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } });
    const events = await compatStream(caller, { agent_name: 'assistant', message: 'add a task to water the plants', session_id: created!.id });
    const names = events.map((e) => e.event);
    expect(names.slice(0, 3)).toEqual(['user_message', 'tool_call', 'tool_result']);
    expect(names.slice(-2)).toEqual(['assistant_message', 'done']);
    expect(events[0]!.data.message).toMatchObject({ seq: 3, role: 'user', content: 'add a task to water the plants' });
    const streamed = events
      .filter((e) => e.event === 'delta')
      .map((e) => e.data.text)
      .join('');
    expect(events.at(-2)!.data.message).toMatchObject({ status: 'complete', content: streamed });
    expect((await storedMessages(created!.id)).map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'tool', 'assistant']);
    expect(await storedMessages(newer.id)).toEqual([]);
  });
});
