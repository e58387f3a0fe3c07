/**
 * SPEC §12: a warm turn reaches the model with no D1 statement, the login and chat are still
 * refused when they should be, the turn limit is exact, and every reply carries its stages.
 */
import { abortAllDurableObjects } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, expectError, expectStatus, openSession, signUp } from './helpers';
import type { Caller } from './helpers';
import { marker, modelRequests, newChat, readEvents, sendStreaming, storedMessages, streamTurn } from './turn-helpers';

afterEach(() => {
  vi.useRealTimers();
});

const reply = (events: { event: string; data: any }[]) => events.find((e) => e.event === 'assistant_message')!.data.message;

/** A second login of the same user, as another device would have. */
async function logInAgain(caller: Caller): Promise<Caller> {
  const body = await expectStatus<{ token: string }>(200, 'POST', '/auth/login', {
    body: { email: caller.email, password: 'correct horse battery' },
    headers: { 'CF-Connecting-IP': caller.ip },
  });
  return { ...caller, token: body.token };
}

/** A chat whose executor is built, whose window is loaded and whose login it knows. */
async function warmChat(caller: Caller): Promise<string> {
  const chatId = await newChat(caller);
  await streamTurn(caller, chatId, 'warming up [[tokens:2]]');
  return chatId;
}

describe('a warm turn', () => {
  it('issues no D1 statement between its arrival and its first token', async () => {
    const caller = await signUp();
    const chatId = await warmChat(caller);
    for (let i = 0; i < 3; i++) {
      const timings = reply(await streamTurn(caller, chatId, `warm ${i} [[tokens:3]]`)).timings;
      expect(timings.d1BeforeFirstToken).toBe(0);
    }
  });

  it('charges a turn only its own D1 statements, not another chat’s reply landing meanwhile', async () => {
    const caller = await signUp();
    const chatA = await warmChat(caller);
    const chatB = (await expectStatus<{ chat: { id: string } }>(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } })).chat.id;
    await streamTurn(caller, chatB, 'warm too [[tokens:2]]');
    // A's reply is stored (a D1 batch) about 100 ms in, while B still waits for its first token.
    const a = streamTurn(caller, chatA, 'quick one [[wait:100]] [[tokens:3]]');
    await new Promise((resolve) => setTimeout(resolve, 40));
    const b = streamTurn(caller, chatB, 'slow to start [[wait:180]] [[tokens:3]]');
    const [eventsA, eventsB] = await Promise.all([a, b]);
    expect(reply(eventsA).timings.d1BeforeFirstToken).toBe(0);
    expect(reply(eventsB).timings.d1BeforeFirstToken).toBe(0);
  });

  it('counts the D1 statements of a cold turn (executor build, chat read)', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await abortAllDurableObjects(); // the next turn wakes a fresh object: build and chat read from D1
    const timings = reply(await streamTurn(caller, chatId, 'cold [[tokens:3]]')).timings;
    expect(timings.d1BeforeFirstToken).toBeGreaterThanOrEqual(2);
  });

  it('carries ordered stages from arrival to the stored reply, and a Server-Timing header', async () => {
    const caller = await signUp();
    const chatId = await warmChat(caller);
    const response = await sendStreaming(caller, chatId, 'time me [[tokens:5]]');
    // …and the Worker's own D1 statements for it: none on a warm turn.
    expect(response.headers.get('Server-Timing')).toMatch(/^auth;dur=\d+(\.\d+)?, route;dur=\d+(\.\d+)?, executor;dur=\d+(\.\d+)?, d1;desc=0$/);
    const { timings } = reply(await readEvents(response));
    const names = timings.stages.map((s: { name: string }) => s.name);
    expect(names).toEqual(['auth', 'route', 'rpc', 'prepare', 'build', 'model_request', 'stream', 'store']);
    for (const stage of timings.stages) expect(stage.ms).toBeGreaterThanOrEqual(0);
  });

  it('counts the Worker’s D1 statements of any response in its Server-Timing header', async () => {
    const caller = await signUp();
    const chatId = await warmChat(caller);
    const page = await call('GET', `/chats/${chatId}/messages?limit=50`, { caller });
    expect(page.status).toBe(200);
    const statements = Number(/(?:^|, )d1;desc=(\d+)$/.exec(page.headers.get('Server-Timing') ?? '')?.[1]);
    expect(statements).toBeGreaterThanOrEqual(1); // the page is read from the user's shard
  });

  it('adds a tools stage to a turn that runs a tool', async () => {
    const caller = await signUp();
    const chatId = await warmChat(caller);
    const events = await streamTurn(caller, chatId, 'add a task to water the plants');
    expect(events.some((e) => e.event === 'tool_call')).toBe(true);
    const names = reply(events).timings.stages.map((s: { name: string }) => s.name);
    expect(names).toContain('tools');
    expect(names.at(-1)).toBe('store');
  });
});

describe('refusals on a warm chat', () => {
  it('refuses a logged-out login with 401: no event, nothing stored, the model never asked', async () => {
    const caller = await signUp();
    const device = await logInAgain(caller);
    const chatId = await newChat(device);
    await streamTurn(device, chatId, 'warm [[tokens:2]]');
    await expectStatus(204, 'POST', '/auth/logout', { caller: device });

    const tag = marker();
    const response = await sendStreaming(device, chatId, `after logout ${tag}`);
    await expectError(response, 401, 'unauthorized');
    expect((await storedMessages(chatId)).map((m) => m.content)).not.toContain(`after logout ${tag}`);
    expect(await modelRequests(tag)).toEqual([]);
    // The user's other login is untouched.
    await streamTurn(caller, chatId, 'still here [[tokens:2]]');
  });

  it('refuses a login deleted behind the executor’s back the first time the executor sees it', async () => {
    const caller = await signUp();
    const chatId = await warmChat(caller);
    const other = await logInAgain(caller);
    await env.DB.prepare('DELETE FROM auth_sessions WHERE user_id = ? AND id != (SELECT id FROM auth_sessions WHERE user_id = ? ORDER BY created_at LIMIT 1)')
      .bind(caller.userId, caller.userId)
      .run();
    const tag = marker();
    await expectError(await sendStreaming(other, chatId, `unknown login ${tag}`), 401, 'unauthorized');
    expect(await modelRequests(tag)).toEqual([]);
  });

  it('answers 404 for another user’s warm chat: no event, nothing stored, the model never asked', async () => {
    const owner = await signUp();
    const chatId = await warmChat(owner);
    const stranger = await signUp();
    await warmChat(stranger); // the stranger's own executor is warm too
    const tag = marker();
    await expectError(await sendStreaming(stranger, chatId, `not yours ${tag}`), 404, 'not_found');
    expect(await modelRequests(tag)).toEqual([]);
    expect((await storedMessages(chatId)).map((m) => m.content)).not.toContain(`not yours ${tag}`);
  });
});

describe('TURNS_PER_MINUTE', () => {
  const limit = Number(env.TURNS_PER_MINUTE);

  it('accepts exactly that many turns per (user, agent) in a sliding minute, then 429 with the seconds to wait', async () => {
    const caller = await signUp();
    const chats = [await newChat(caller), (await expectStatus<{ chat: { id: string } }>(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } })).chat.id];
    const first = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    for (let i = 0; i < limit; i++) {
      // Spread over 21 s: the wait is counted from the oldest turn in the window, not the newest.
      vi.setSystemTime(first + i * 3000);
      await expectStatus(200, 'POST', `/chats/${chats[i % 2]}/messages`, { caller, body: { content: `quick ${i} [[tokens:1]]` } });
    }

    const refused = await call('POST', `/chats/${chats[0]}/messages`, { caller, body: { content: 'one too many' } });
    const retryAfter = Number(refused.headers.get('Retry-After'));
    await expectError(refused, 429, 'rate_limited');
    expect(retryAfter).toBe(Math.ceil((first + 60_000 - Date.now()) / 1000));
    expect((await storedMessages(chats[0]!)).map((m) => m.content)).not.toContain('one too many');

    // Another agent of the same user has its own minute.
    const notes = await newChat(caller, 'notes');
    await expectStatus(200, 'POST', `/chats/${notes}/messages`, { caller, body: { content: 'notes are separate [[tokens:1]]' } });

    // A refused turn does not count: once the oldest turn has left the window, one is accepted.
    vi.setSystemTime(Date.now() + (retryAfter - 2) * 1000);
    await expectError(await call('POST', `/chats/${chats[0]}/messages`, { caller, body: { content: 'still too soon' } }), 429, 'rate_limited');
    vi.setSystemTime(first + 60_000 + 1000);
    await expectStatus(200, 'POST', `/chats/${chats[0]}/messages`, { caller, body: { content: 'accepted again [[tokens:1]]' } });
  });

  it('is shared by parallel sends: never more than the limit accepted', async () => {
    const caller = await signUp();
    const chats: string[] = [];
    for (let i = 0; i < limit + 3; i++) chats.push((await expectStatus<{ chat: { id: string } }>(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } })).chat.id);
    const statuses = await Promise.all(chats.map((chatId, i) => call('POST', `/chats/${chatId}/messages`, { caller, body: { content: `parallel ${i} [[tokens:1]]` } }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200), String(statuses)).toHaveLength(limit);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
  });
});

describe('the acknowledgment', () => {
  it('replays a message acknowledged but still only in the outbox to D1 exactly once after a crash', async () => {
    const caller = await signUp();
    const chatId = await warmChat(caller);
    const tag = marker();
    const response = await sendStreaming(caller, chatId, `remember me ${tag} [[fault:hang]]`);
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('event: user_message');
    // Killed well inside the 250 ms before the outbox would flush on its own.
    await abortAllDurableObjects();
    await reader.cancel().catch(() => undefined);
    expect((await storedMessages(chatId)).map((m) => m.content)).not.toContain(`remember me ${tag} [[fault:hang]]`);

    // The woken object replays its outbox before it serves anyone (not later, by the alarm).
    await openSession(caller, { chatId, clientInstanceId: crypto.randomUUID() });
    expect((await storedMessages(chatId)).filter((m) => m.content.includes(tag))).toHaveLength(1);
    await streamTurn(caller, chatId, 'and the chat goes on [[tokens:2]]');
    expect((await storedMessages(chatId)).filter((m) => m.content.includes(tag))).toHaveLength(1);
  });
});
