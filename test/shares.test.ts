import { env } from 'cloudflare:workers';
import { rowsOnShards, shardOf } from './shard-helpers';
import { describe, expect, it } from 'vitest';
import { call, expectError, expectStatus, signUp } from './helpers';
import { addMessages, createChat } from './history-helpers';
import { streamTurn } from './turn-helpers';

interface Share {
  id: string;
  url: string;
  createdAt: number;
  uptoSeq: number;
}
interface Shared {
  title: string;
  agentName: string;
  createdAt: number;
  messages: { role: string; content: string; createdAt: number }[];
}

async function share(caller: Awaited<ReturnType<typeof signUp>>, chatId: string): Promise<Share> {
  return (await expectStatus<{ share: Share }>(201, 'POST', `/chats/${chatId}/shares`, { caller })).share;
}

/** Read as a stranger would: no cookie, no token, no Origin. */
const readShared = (id: string) => call('GET', `/shares/${id}`, { origin: null });

describe('shared links', () => {
  it('shows the chat as it was when shared, to anyone with the link and no login', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller, 'notes');
    await expectStatus(200, 'PATCH', `/chats/${chatId}`, { caller, body: { title: 'Trip ideas' } });
    await addMessages(chatId, [
      { role: 'user', content: 'Where should we go in May?' },
      { role: 'assistant', content: 'Lisbon is lovely in May.' },
    ]);
    const made = await share(caller, chatId);
    expect(made).toEqual({ id: made.id, url: `http://localhost/s/${made.id}`, createdAt: expect.any(Number), uptoSeq: 2 });
    // 144 random bits, URL-safe.
    expect(made.id).toMatch(/^[A-Za-z0-9_-]{24}$/);

    // Later messages and a rename never reach the link.
    await addMessages(chatId, [{ role: 'user', content: 'Actually, make it June.' }]);
    await expectStatus(200, 'PATCH', `/chats/${chatId}`, { caller, body: { title: 'Renamed later' } });

    const response = await readShared(made.id);
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Robots-Tag')).toMatch(/noindex/);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const body = await response.json<Shared>();
    expect(body).toEqual({
      title: 'Trip ideas',
      agentName: 'notes',
      createdAt: made.createdAt,
      messages: [
        { role: 'user', content: 'Where should we go in May?', createdAt: 1_700_000_000_001 },
        { role: 'assistant', content: 'Lisbon is lovely in May.', createdAt: 1_700_000_000_002 },
      ],
    });
    expect(JSON.stringify(body)).not.toContain(caller.email);
  });

  it('summarises tools: "Used create_task", never their arguments or results', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    await streamTurn(caller, chatId, 'add a task to buy saffron');
    const stored = await (await shardOf(caller.userId)).prepare('SELECT role, name FROM chat_messages WHERE chat_id = ? ORDER BY seq')
      .bind(chatId)
      .all<{ role: string; name: string | null }>();
    expect(stored.results.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    const made = await share(caller, chatId);
    expect(made.uptoSeq).toBe(4);
    const body = await (await readShared(made.id)).json<Shared>();
    expect(body.messages.map((m) => [m.role, m.content.startsWith('Done') ? 'Done…' : m.content])).toEqual([
      ['user', 'add a task to buy saffron'],
      ['tool', 'Used create_task'],
      ['assistant', 'Done…'],
    ]);
    // The tool's arguments and its JSON result (the task's id and fields): none of it. Stringified,
    // JSON inside a message's content would show as escaped quotes.
    expect(JSON.stringify(body.messages)).not.toMatch(/\\"|arguments/);
    expect(body.messages.map((m) => Object.keys(m).sort())).toEqual(Array(3).fill(['content', 'createdAt', 'role']));
  });

  it('shows the branch the chat showed when shared, not the others (SPEC §16)', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    const shard = await shardOf(caller.userId);
    const insert = shard.prepare(
      "INSERT INTO chat_messages (id, chat_id, seq, parent_seq, role, content, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'complete', ?)",
    );
    await shard.batch([
      shard.prepare('UPDATE chats SET head_seq = 6 WHERE id = ?').bind(chatId),
      ...(
        [
          [1, null, 'user', 'Plan a trip'],
          [2, 1, 'assistant', 'Where to?'],
          [3, 2, 'user', 'Lisbon'],
          [4, 3, 'assistant', 'Lisbon it is'],
          [5, 2, 'user', 'Porto, actually'],
          [6, 5, 'assistant', 'Porto it is'],
        ] as const
      ).map(([seq, parent, role, content]) => insert.bind(crypto.randomUUID(), chatId, seq, parent, role, content, seq)),
    ]);
    const porto = await share(caller, chatId);
    expect(porto.uptoSeq).toBe(6);
    await expectStatus(200, 'PUT', `/chats/${chatId}/head`, { caller, body: { seq: 4 } });
    const lisbon = await share(caller, chatId);
    expect(lisbon.uptoSeq).toBe(4);
    const contents = async (id: string) => (await (await readShared(id)).json<Shared>()).messages.map((m) => m.content);
    expect(await contents(porto.id)).toEqual(['Plan a trip', 'Where to?', 'Porto, actually', 'Porto it is']);
    expect(await contents(lisbon.id)).toEqual(['Plan a trip', 'Where to?', 'Lisbon', 'Lisbon it is']);
  });

  it('lists a chat’s shares newest first and revokes one (then 404 in the error shape)', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    await addMessages(chatId, [{ role: 'user', content: 'one' }]);
    const first = await share(caller, chatId);
    await addMessages(chatId, [{ role: 'user', content: 'two' }]);
    const second = await share(caller, chatId);
    expect(second.uptoSeq).toBe(2);
    const listed = await expectStatus<{ shares: Share[] }>(200, 'GET', `/chats/${chatId}/shares`, { caller });
    expect(listed.shares.map((s) => s.id)).toEqual([second.id, first.id]);

    await expectStatus(204, 'DELETE', `/chats/${chatId}/shares/${first.id}`, { caller });
    const revoked = await readShared(first.id);
    expect(revoked.headers.get('X-Robots-Tag')).toMatch(/noindex/);
    await expectError(revoked, 404, 'not_found');
    expect((await (await readShared(second.id)).json<Shared>()).messages.map((m) => m.content)).toEqual(['one', 'two']);
    await expectError(await call('DELETE', `/chats/${chatId}/shares/${first.id}`, { caller }), 404, 'not_found');
    expect((await expectStatus<{ shares: Share[] }>(200, 'GET', `/chats/${chatId}/shares`, { caller })).shares.map((s) => s.id)).toEqual([second.id]);
  });

  it('answers 404 for unknown ids and 400 for malformed ones, without a login', async () => {
    await expectError(await readShared('AAAAAAAAAAAAAAAAAAAAAAAA'), 404, 'not_found');
    await expectError(await readShared('x'), 404, 'not_found');
    await expectError(await call('GET', `/shares/${encodeURIComponent('bad id!')}`, { origin: null }), 400, 'bad_request');
  });

  it("never lets another user share, list or revoke a chat's links", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const chatId = await createChat(owner);
    const made = await share(owner, chatId);
    await expectError(await call('POST', `/chats/${chatId}/shares`, { caller: stranger }), 404, 'not_found');
    await expectError(await call('GET', `/chats/${chatId}/shares`, { caller: stranger }), 404, 'not_found');
    await expectError(await call('DELETE', `/chats/${chatId}/shares/${made.id}`, { caller: stranger }), 404, 'not_found');
    // A share id under another of the owner's chats is not that chat's share.
    const other = await createChat(owner);
    await expectError(await call('DELETE', `/chats/${other}/shares/${made.id}`, { caller: owner }), 404, 'not_found');
    await expectError(await call('POST', `/chats/${chatId}/shares`), 401, 'unauthorized');
    expect((await readShared(made.id)).status).toBe(200);
  });

  it('deleting the chat revokes its shares', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    await addMessages(chatId, [{ role: 'user', content: 'soon gone' }]);
    const made = await share(caller, chatId);
    expect((await readShared(made.id)).status).toBe(200);
    await expectStatus(204, 'DELETE', `/chats/${chatId}`, { caller });
    await expectError(await readShared(made.id), 404, 'not_found');
    expect(await rowsOnShards('SELECT id FROM chat_shares WHERE chat_id = ?', chatId)).toEqual([]);
    // The directory forgets the link too (SPEC §17): nothing of the chat outlives it anywhere.
    expect(await env.DB.prepare('SELECT id FROM share_links WHERE id = ?').bind(made.id).first()).toBeNull();
  });
});
