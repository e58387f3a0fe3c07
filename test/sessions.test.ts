import { shardOf } from './shard-helpers';
import { describe, expect, it } from 'vitest';
import { call, d1Writes, expectError, installWriteCounter, expectStatus, openSession, seedMessages, sessionRow, signUp } from './helpers';
import { streamTurn } from './turn-helpers';

describe('opening sessions', () => {
  it('makes exactly one chat when 20 tabs open at once on a new (user, agent)', async () => {
    const caller = await signUp();
    const opens = await Promise.all(Array.from({ length: 20 }, (_, i) => openSession(caller, { clientInstanceId: `tab-${i}` })));
    const chatIds = new Set(opens.map((o) => o.chat.id));
    expect(chatIds.size).toBe(1);
    expect(new Set(opens.map((o) => o.session.id)).size).toBe(20);
    const shard = await shardOf(caller.userId);
    const chats = await shard.prepare('SELECT count(*) AS n FROM chats WHERE user_id = ?').bind(caller.userId).first<{ n: number }>();
    expect(chats!.n).toBe(1);
    const sessions = await shard.prepare('SELECT count(*) AS n FROM chat_sessions WHERE user_id = ? AND is_active = 1')
      .bind(caller.userId)
      .first<{ n: number }>();
    expect(sessions!.n).toBe(20);
  });

  it('gives a refreshed tab its own session back, and a new tab a new session on the same chat', async () => {
    const caller = await signUp();
    const first = await openSession(caller, { clientInstanceId: 'tab-a' }, 201);
    const again = await openSession(caller, { clientInstanceId: 'tab-a' }, 200);
    expect(again.session.id).toBe(first.session.id);
    expect(again.chat.id).toBe(first.chat.id);
    const other = await openSession(caller, { clientInstanceId: 'tab-b' }, 201);
    expect(other.session.id).not.toBe(first.session.id);
    expect(other.chat.id).toBe(first.chat.id);
    const { sessions } = await expectStatus(200, 'GET', '/sessions?agent=assistant', { caller });
    expect(sessions.map((s: { id: string }) => s.id).sort()).toEqual([first.session.id, other.session.id].sort());
  });

  it('reuses the most recently updated unarchived chat among several, and opens a named chat when asked', async () => {
    const caller = await signUp();
    const tick = () => new Promise((resolve) => setTimeout(resolve, 3)); // distinct update times
    const create = async () => (await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } })).chat;
    const first = await create();
    await tick();
    const second = await create();
    await tick();
    const archived = await create();
    await expectStatus(200, 'PATCH', `/chats/${archived.id}`, { caller, body: { archived: true } });

    const opened = await openSession(caller, { clientInstanceId: 'tab-1' });
    expect(opened.chat.id).toBe(second.id);
    // Talking in the first chat makes it the most recent, though it was created first.
    await tick();
    await streamTurn(caller, first.id, 'back to the first chat');
    const reopened = await openSession(caller, { clientInstanceId: 'tab-2' });
    expect(reopened.chat.id).toBe(first.id);

    const named = await openSession(caller, { clientInstanceId: 'tab-1', chatId: archived.id });
    expect(named.chat.id).toBe(archived.id);
    // The tab moved to another chat: its previous session is over.
    expect(await sessionRow(opened.session.id)).toMatchObject({ is_active: 0, end_reason: 'replaced' });
  });

  it('returns the latest page of messages with the session', async () => {
    const caller = await signUp();
    const first = await openSession(caller, { clientInstanceId: 'tab' });
    await seedMessages(first.chat.id, 60);
    const reopened = await openSession(caller, { clientInstanceId: 'tab-2' });
    expect(reopened.messages).toHaveLength(50);
    expect(reopened.messages[0].seq).toBe(11);
    expect(reopened.messages.at(-1).seq).toBe(60);
    expect(reopened.hasMore).toBe(true);
  });

  it('ends the tab’s session with another agent when it switches agents', async () => {
    const caller = await signUp();
    const assistant = await openSession(caller, { agent: 'assistant', clientInstanceId: 'tab' });
    const notes = await openSession(caller, { agent: 'notes', clientInstanceId: 'tab' }, 201);
    expect(notes.chat.id).not.toBe(assistant.chat.id);
    expect(await sessionRow(assistant.session.id)).toMatchObject({ is_active: 0, end_reason: 'replaced' });
    expect(await sessionRow(notes.session.id)).toMatchObject({ is_active: 1 });
  });
});

describe('heartbeats and ending', () => {
  it('moves liveness without writing D1 on each of 10 heartbeats', async () => {
    const caller = await signUp();
    const { session } = await openSession(caller, { clientInstanceId: 'tab' });
    const beforeRow = await sessionRow(session.id);
    await installWriteCounter();
    const before = await d1Writes();
    for (let i = 0; i < 10; i++) await expectStatus(204, 'POST', `/sessions/${session.id}/heartbeat`, { caller });
    expect(await d1Writes()).toBe(before);
    expect((await sessionRow(session.id))!.last_heartbeat_at).toBe(beforeRow!.last_heartbeat_at);
    // Positive control: the counter does see the executor's writes.
    await expectStatus(204, 'POST', `/sessions/${session.id}/end`, { caller });
    expect(await d1Writes('chat_sessions')).toBe(1);
  });

  it('ends a session by beacon POST or DELETE, idempotently, and then answers heartbeats with 410', async () => {
    const caller = await signUp();
    const { session } = await openSession(caller, { clientInstanceId: 'tab' });
    await expectStatus(204, 'POST', `/sessions/${session.id}/end`, { caller });
    await expectStatus(204, 'DELETE', `/sessions/${session.id}`, { caller });
    await expectStatus(204, 'POST', `/sessions/${session.id}/end`, { caller });
    expect(await sessionRow(session.id)).toMatchObject({ is_active: 0, end_reason: 'unload' });
    await expectError(await call('POST', `/sessions/${session.id}/heartbeat`, { caller }), 410, 'gone');
    const { sessions } = await expectStatus(200, 'GET', '/sessions?agent=assistant', { caller });
    expect(sessions).toEqual([]);
  });

  it('logout ends the sessions of that login, in every agent, and no other login’s', async () => {
    const caller = await signUp();
    const login = await expectStatus(200, 'POST', '/auth/login', {
      body: { email: caller.email, password: 'correct horse battery' },
      headers: { 'CF-Connecting-IP': caller.ip },
    });
    const otherDevice = { ...caller, token: login.token };
    const a = await openSession(caller, { agent: 'assistant', clientInstanceId: 'tab-1' });
    const n = await openSession(caller, { agent: 'notes', clientInstanceId: 'tab-2' });
    const kept = await openSession(otherDevice, { agent: 'assistant', clientInstanceId: 'phone' });
    await expectStatus(204, 'POST', '/auth/logout', { caller });
    expect(await sessionRow(a.session.id)).toMatchObject({ is_active: 0, end_reason: 'logout' });
    expect(await sessionRow(n.session.id)).toMatchObject({ is_active: 0, end_reason: 'logout' });
    expect(await sessionRow(kept.session.id)).toMatchObject({ is_active: 1 });
    await expectStatus(204, 'POST', `/sessions/${kept.session.id}/heartbeat`, { caller: otherDevice });
  });
});
