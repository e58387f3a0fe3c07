import { exports } from 'cloudflare:workers';
import { shardOf } from './shard-helpers';
import { describe, expect, it } from 'vitest';
import { call, d1Writes, expectError, expectStatus, installWriteCounter, openSession, ORIGIN, seedMessages, sessionRow, signUp } from './helpers';

describe("another user's chats and sessions are invisible", () => {
  it('answers 404 for every chat and session route, and changes nothing', async () => {
    const alice = await signUp('alice');
    const bob = await signUp('bob');
    const { chat, session } = await openSession(alice, { clientInstanceId: 'alice-tab' });
    await seedMessages(chat.id, 4);
    const snapshot = async () => ({
      chat: await (await shardOf(alice.userId)).prepare('SELECT * FROM chats WHERE id = ?').bind(chat.id).first(),
      session: await sessionRow(session.id),
      messages: (await (await shardOf(alice.userId)).prepare('SELECT count(*) AS n FROM chat_messages WHERE chat_id = ?').bind(chat.id).first<{ n: number }>())!.n,
    });
    const before = await snapshot();

    const attempts: [string, string, unknown?][] = [
      ['GET', `/chats/${chat.id}`],
      ['PATCH', `/chats/${chat.id}`, { title: 'mine now' }],
      ['DELETE', `/chats/${chat.id}`],
      ['GET', `/chats/${chat.id}/messages`],
      ['GET', `/chats/${chat.id}/messages?after=0`],
      ['GET', `/chats/${chat.id}/export?format=markdown`],
      ['POST', `/sessions/${session.id}/heartbeat`],
      ['POST', `/sessions/${session.id}/end`],
      ['DELETE', `/sessions/${session.id}`],
    ];
    for (const [method, path, body] of attempts) {
      await expectError(await call(method, path, { caller: bob, body }), 404, 'not_found');
    }
    // Naming Alice's chat when opening a session is refused the same way.
    await expectError(await call('POST', '/sessions', { caller: bob, body: { agent: 'assistant', chatId: chat.id } }), 404, 'not_found');

    expect(await snapshot()).toEqual(before);
    expect((await expectStatus(200, 'GET', '/chats?agent=assistant', { caller: bob })).chats).toEqual([]);
    expect((await expectStatus(200, 'GET', '/sessions?agent=assistant', { caller: bob })).sessions).toEqual([]);
  });

  it('keeps the chat of one agent out of another agent’s executor', async () => {
    const caller = await signUp();
    const { chat } = await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'notes' } });
    await expectError(await call('POST', '/sessions', { caller, body: { agent: 'assistant', chatId: chat.id } }), 404, 'not_found');
  });
});

describe('the isolation sweep', () => {
  it("answers 404 on every id-taking route for another user's ids, and writes nothing", async () => {
    const alice = await signUp('alice');
    const bob = await signUp('bob');
    const { chat, session } = await openSession(alice, { clientInstanceId: 'alice-tab' });
    await seedMessages(chat.id, 2);
    const { task } = await expectStatus(201, 'POST', '/tasks', { caller: alice, body: { title: 'private' } });
    const { memory } = await expectStatus(201, 'POST', '/agents/assistant/memories', { caller: alice, body: { content: 'private memory' } });
    await openSession(bob, { clientInstanceId: 'bob-tab' });
    await installWriteCounter();

    const sweep: [string, string, unknown?, Record<string, string>?][] = [
      ['GET', `/tasks/${task.id}`],
      ['PATCH', `/tasks/${task.id}`, { status: 'done' }],
      ['DELETE', `/tasks/${task.id}`],
      ['GET', `/chats/${chat.id}`],
      ['PATCH', `/chats/${chat.id}`, { archived: true }],
      ['DELETE', `/chats/${chat.id}`],
      ['GET', `/chats/${chat.id}/messages?before=3`],
      ['GET', `/chats/${chat.id}/messages?after=0`],
      ['GET', `/chats/${chat.id}/export?format=json`],
      ['POST', `/chats/${chat.id}/messages`, { content: 'hijack' }],
      ['POST', `/chats/${chat.id}/messages`, { content: 'hijack' }, { Accept: 'text/event-stream' }],
      ['POST', `/chats/${chat.id}/stop`],
      ['POST', '/sessions', { agent: 'assistant', chatId: chat.id }],
      ['POST', `/sessions/${session.id}/heartbeat`],
      ['POST', `/sessions/${session.id}/end`],
      ['DELETE', `/sessions/${session.id}`],
      ['DELETE', `/agents/assistant/memories/${memory.id}`],
      ['POST', '/chat', { agent_name: 'assistant', message: 'hijack', session_id: chat.id }],
    ];
    for (const [method, path, body, headers] of sweep) {
      await expectError(await call(method, path, { caller: bob, body, headers }), 404, 'not_found');
    }
    const live = await exports.default.fetch(
      new Request(`${ORIGIN}/api/chats/${chat.id}/live?sessionId=${session.id}`, { headers: { Upgrade: 'websocket', Authorization: `Bearer ${bob.token}` } }),
    );
    await expectError(live, 404, 'not_found');

    expect(await d1Writes()).toBe(0);
    expect((await expectStatus(200, 'GET', '/agents/assistant/memories', { caller: alice })).memories).toHaveLength(1);
    expect((await expectStatus(200, 'GET', `/tasks/${task.id}`, { caller: alice })).task.status).toBe('todo');
  });
});
