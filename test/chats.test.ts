import { rowsOnShards } from './shard-helpers';
import { describe, expect, it } from 'vitest';
import { call, expectError, expectStatus, openSession, seedMessages, signUp } from './helpers';

const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

/** What D1 holds of one chat: its row, its messages and its sessions. */
async function rowsOf(chatId: string) {
  const count = async (sql: string) => (await rowsOnShards<{ n: number }>(sql, chatId)).reduce((sum, r) => sum + r.n, 0);
  return {
    chats: await count('SELECT count(*) AS n FROM chats WHERE id = ?'),
    chat_messages: await count('SELECT count(*) AS n FROM chat_messages WHERE chat_id = ?'),
    chat_sessions: await count('SELECT count(*) AS n FROM chat_sessions WHERE chat_id = ?'),
  };
}

describe('chats', () => {
  it('creates, renames, archives, lists newest first with a cursor, and deletes with messages and sessions', async () => {
    const caller = await signUp();
    const created = [];
    for (let i = 0; i < 3; i++) {
      created.push((await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } })).chat);
      await tick(); // newest-first needs distinct update times
    }
    const renamed = await expectStatus(200, 'PATCH', `/chats/${created[0].id}`, { caller, body: { title: 'Groceries' } });
    expect(renamed.chat.title).toBe('Groceries');

    const page1 = await expectStatus(200, 'GET', '/chats?agent=assistant&limit=2', { caller });
    expect(page1.chats.map((c: { id: string }) => c.id)).toEqual([created[0].id, created[2].id]);
    const page2 = await expectStatus(200, 'GET', `/chats?agent=assistant&limit=2&cursor=${page1.nextCursor}`, { caller });
    expect(page2.chats.map((c: { id: string }) => c.id)).toEqual([created[1].id]);
    expect(page2.nextCursor).toBeNull();

    const search = await expectStatus(200, 'GET', '/chats?agent=assistant&q=grocer', { caller });
    expect(search.chats.map((c: { title: string }) => c.title)).toEqual(['Groceries']);
    await expectStatus(200, 'PATCH', `/chats/${created[1].id}`, { caller, body: { title: '100% done_ok' } });
    const literal = await expectStatus(200, 'GET', `/chats?agent=assistant&q=${encodeURIComponent('0% done_')}`, { caller });
    expect(literal.chats.map((c: { title: string }) => c.title)).toEqual(['100% done_ok']);
    expect((await expectStatus(200, 'GET', '/chats?agent=assistant&q=%25%25', { caller })).chats).toEqual([]);

    await expectStatus(200, 'PATCH', `/chats/${created[1].id}`, { caller, body: { archived: true } });
    const visible = await expectStatus(200, 'GET', '/chats?agent=assistant', { caller });
    expect(visible.chats).toHaveLength(2);
    const archived = await expectStatus(200, 'GET', '/chats?agent=assistant&archived=only', { caller });
    expect(archived.chats.map((c: { id: string; archived: boolean }) => [c.id, c.archived])).toEqual([[created[1].id, true]]);
    expect((await expectStatus(200, 'GET', '/chats?agent=notes', { caller })).chats).toEqual([]);

    const { session } = await openSession(caller, { chatId: created[2].id, clientInstanceId: 'tab' });
    await seedMessages(created[2].id, 3);
    await seedMessages(created[0].id, 2);
    expect(await rowsOf(created[2].id)).toEqual({ chats: 1, chat_messages: 3, chat_sessions: 1 });
    await expectStatus(204, 'DELETE', `/chats/${created[2].id}`, { caller });
    expect(await rowsOf(created[2].id)).toEqual({ chats: 0, chat_messages: 0, chat_sessions: 0 });
    expect(await rowsOf(created[0].id)).toEqual({ chats: 1, chat_messages: 2, chat_sessions: 0 });
    await expectError(await call('GET', `/chats/${created[2].id}/messages`, { caller }), 404, 'not_found');
    await expectError(await call('POST', `/sessions/${session.id}/heartbeat`, { caller }), 404, 'not_found');
  });

  it("shows each chat's last message in the list, skipping tool results", async () => {
    const caller = await signUp();
    const { chat: empty } = await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } });
    const { chat } = await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } });
    await seedMessages(chat.id, 3);
    const { chats } = await expectStatus(200, 'GET', '/chats?agent=assistant', { caller });
    const byId = new Map(chats.map((c: { id: string; lastMessage: unknown }) => [c.id, c.lastMessage]));
    expect(byId.get(chat.id)).toEqual({ role: 'user', content: 'message 3', createdAt: expect.any(Number) });
    expect(byId.get(empty.id)).toBeNull();
  });

  it('pages messages backwards with before and forwards with after, in ascending seq', async () => {
    const caller = await signUp();
    const { chat } = await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } });
    await seedMessages(chat.id, 120);
    const latest = await expectStatus(200, 'GET', `/chats/${chat.id}/messages`, { caller });
    expect(latest.messages.map((m: { seq: number }) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 71 + i));
    expect(latest.hasMore).toBe(true);
    const older = await expectStatus(200, 'GET', `/chats/${chat.id}/messages?before=71&limit=200`, { caller });
    expect(older.messages).toHaveLength(70);
    expect(older.messages[0].seq).toBe(1);
    expect(older.hasMore).toBe(false);
    const after = await expectStatus(200, 'GET', `/chats/${chat.id}/messages?after=115`, { caller });
    expect(after.messages.map((m: { seq: number }) => m.seq)).toEqual([116, 117, 118, 119, 120]);
    expect(after.hasMore).toBe(false);
    await expectError(await call('GET', `/chats/${chat.id}/messages?limit=201`, { caller }), 400, 'bad_request');
    await expectError(await call('GET', `/chats/${chat.id}/messages?before=1&after=2`, { caller }), 400, 'bad_request');
  });

  it('exports the whole conversation as JSON and Markdown downloads', async () => {
    const caller = await signUp();
    const { chat } = await expectStatus(201, 'POST', '/chats', { caller, body: { agent: 'assistant' } });
    await seedMessages(chat.id, 4);
    const jsonExport = await call('GET', `/chats/${chat.id}/export?format=json`, { caller });
    expect(jsonExport.headers.get('Content-Disposition')).toMatch(/^attachment; filename="new-chat-[0-9a-f]{8}\.json"$/);
    const body = (await jsonExport.json()) as { chat: { id: string }; messages: { seq: number }[] };
    expect(body.chat.id).toBe(chat.id);
    expect(body.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    const markdown = await call('GET', `/chats/${chat.id}/export?format=markdown`, { caller });
    expect(markdown.headers.get('Content-Type')).toMatch(/^text\/markdown/);
    const text = await markdown.text();
    expect(text).toContain('# New chat');
    expect(text).toContain('message 4');
  });
});
