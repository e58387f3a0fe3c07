/**
 * SPEC §13: per-user caps from vars, answered in the error shape — chats, tasks (HTTP and the
 * assistant's tool), live sessions per (user, agent), sockets per chat, tool calls per model
 * round. Memories keep their MEMORY_LIMIT by pruning the oldest (test/agents.test.ts).
 * Each test sets its cap low; the executor reads vars when it is built, so every test uses a
 * fresh user (a fresh executor).
 */
import { shardOf } from './shard-helpers';
import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { call, expectError, expectStatus, openSession, ORIGIN, signUp } from './helpers';
import type { Caller } from './helpers';
import { storedMessages, streamTurn } from './turn-helpers';

const vars = env as unknown as Record<string, string | undefined>;
const overridden: string[] = [];

function setVar(name: string, value: string) {
  overridden.push(name);
  vars[name] = value;
}

afterEach(() => {
  for (const name of overridden.splice(0)) delete vars[name];
});

async function statuses(responses: Promise<Response>[]): Promise<number[]> {
  return (await Promise.all(responses)).map((r) => r.status);
}

async function count(table: 'chats' | 'tasks', userId: string): Promise<number> {
  const row = await (await shardOf(userId)).prepare(`SELECT count(*) AS n FROM ${table} WHERE user_id = ?`).bind(userId).first<{ n: number }>();
  return row!.n;
}

function liveUpgrade(caller: Caller, chatId: string, sessionId: string) {
  const headers = new Headers({ Upgrade: 'websocket', Authorization: `Bearer ${caller.token}` });
  return exports.default.fetch(new Request(`${ORIGIN}/api/chats/${chatId}/live?sessionId=${sessionId}`, { headers }));
}

describe('per-user caps', () => {
  it('chats (MAX_CHATS_PER_USER): across agents, then 409 — by POST, by session open and by the compatibility endpoint', async () => {
    setVar('MAX_CHATS_PER_USER', '3');
    const caller = await signUp();
    await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } });
    await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } });
    const notes = await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'notes' } });
    await expectError(await call('POST', '/chats', { caller, body: { agent: 'assistant' } }), 409, 'conflict');
    // With every notes chat archived, opening notes would make a new chat: refused too.
    await expectStatus(200, 'PATCH', `/chats/${notes.chat.id}`, { caller, body: { archived: true } });
    await expectError(await call('POST', '/sessions', { caller, body: { agent: 'notes' } }), 409, 'conflict');
    await expectError(await call('POST', '/chat', { caller, body: { agent_name: 'notes', message: 'hello' } }), 409, 'conflict');
    expect(await count('chats', caller.userId)).toBe(3);
    // Deleting one makes room again.
    await expectStatus(204, 'DELETE', `/chats/${notes.chat.id}`, { caller });
    await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'notes' } });
  });

  it('chats: a parallel burst creates exactly the cap', async () => {
    setVar('MAX_CHATS_PER_USER', '3');
    const caller = await signUp();
    const burst = await statuses(Array.from({ length: 8 }, (_, i) => call('POST', '/chats', { caller, body: { agent: i % 2 ? 'notes' : 'assistant' } })));
    expect(burst.filter((s) => s === 201)).toHaveLength(3);
    expect(burst.filter((s) => s === 409)).toHaveLength(5);
    expect(await count('chats', caller.userId)).toBe(3);
  });

  it('tasks (MAX_TASKS_PER_USER): 409 by HTTP, exactly under a burst, and a tool error for the assistant', async () => {
    setVar('MAX_TASKS_PER_USER', '3');
    const caller = await signUp();
    const burst = await statuses(Array.from({ length: 6 }, (_, i) => call('POST', '/tasks', { caller, body: { title: `task ${i}` } })));
    expect(burst.filter((s) => s === 201)).toHaveLength(3);
    expect(burst.filter((s) => s === 409)).toHaveLength(3);
    await expectError(await call('POST', '/tasks', { caller, body: { title: 'one more' } }), 409, 'conflict');
    const chatId = (await openSession(caller)).chat.id;
    const events = await streamTurn(caller, chatId, 'remind me to water the plants');
    expect(events.find((e) => e.event === 'tool_result')?.data.result).toMatch(/limit of 3 tasks/);
    expect(await count('tasks', caller.userId)).toBe(3);
  });

  it('live sessions per agent (MAX_ACTIVE_SESSIONS): a new tab past the cap gets 409; an open tab still gets its own back', async () => {
    setVar('MAX_ACTIVE_SESSIONS', '2');
    const caller = await signUp();
    const first = await openSession(caller, { clientInstanceId: 'tab-1' });
    await openSession(caller, { clientInstanceId: 'tab-2' });
    await expectError(await call('POST', '/sessions', { caller, body: { agent: 'assistant', clientInstanceId: 'tab-3' } }), 409, 'conflict');
    const again = await openSession(caller, { clientInstanceId: 'tab-1' }, 200);
    expect(again.session.id).toBe(first.session.id);
    // The other agent counts its own.
    await openSession(caller, { agent: 'notes', clientInstanceId: 'tab-3' });
    await expectStatus(204, 'POST', `/sessions/${first.session.id}/end`, { caller });
    await openSession(caller, { clientInstanceId: 'tab-4' }, 201);
  });

  it('sockets per chat (MAX_SOCKETS_PER_CHAT): the upgrade past the cap is refused with 409', async () => {
    setVar('MAX_SOCKETS_PER_CHAT', '2');
    const caller = await signUp();
    const { session, chat } = await openSession(caller);
    const open: WebSocket[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await liveUpgrade(caller, chat.id, session.id);
      expect(response.status).toBe(101);
      response.webSocket!.accept();
      open.push(response.webSocket!);
    }
    await expectError(await liveUpgrade(caller, chat.id, session.id), 409, 'conflict');
    for (const socket of open) socket.close(1000, 'done');
  });

  it('tool calls per round (MAX_TOOL_CALLS_PER_ROUND): the calls past it are answered with an error, not run', async () => {
    setVar('MAX_TOOL_CALLS_PER_ROUND', '2');
    const caller = await signUp();
    const chatId = (await openSession(caller)).chat.id;
    const events = await streamTurn(caller, chatId, 'what time is it [[tools:5]]');
    const results = events.filter((e) => e.event === 'tool_result').map((e) => JSON.parse(e.data.result));
    expect(events.filter((e) => e.event === 'tool_call')).toHaveLength(5);
    expect(results).toHaveLength(5);
    expect(results.slice(0, 2).every((r) => !r.error)).toBe(true);
    expect(results.slice(2).every((r) => /^Not run: at most 2 tool calls/.test(r.error))).toBe(true);
    expect(events.at(-2)?.event).toBe('assistant_message');
    // Every call has its result stored, so the next request to the model stays well-formed.
    const stored = await storedMessages(chatId);
    expect(stored.filter((m: { role: string }) => m.role === 'tool')).toHaveLength(5);
  });
});
