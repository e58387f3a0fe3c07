import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { shardOf } from './shard-helpers';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import app from '../src/worker/app';
import chatGptFile from './fixtures/chatgpt-conversations.json?raw';
import { call, expectError, expectStatus, ORIGIN, signUp } from './helpers';
import type { Caller } from './helpers';
import { createChat, search } from './history-helpers';

interface ImportResult {
  imported: { chatId: string; title: string; messages: number }[];
  skipped: { title: string; reason: string }[];
}

const importFile = (caller: Caller, body: string, query = '') =>
  call('POST', `/chats/import${query}`, { caller, rawBody: body, headers: { 'Content-Type': 'application/json' } });

async function imported(caller: Caller, body: string, query = ''): Promise<ImportResult> {
  const response = await importFile(caller, body, query);
  if (response.status !== 201) throw new Error(`import: ${response.status} ${await response.text()}`);
  return response.json<ImportResult>();
}

async function messagesOf(caller: Caller, chatId: string) {
  return (await expectStatus(200, 'GET', `/chats/${chatId}/messages?limit=200`, { caller })).messages as {
    seq: number;
    role: string;
    content: string;
    toolCalls: unknown;
    toolCallId: string | null;
    name: string | null;
    status: string;
    createdAt: number;
  }[];
}

/** Everything an import could have written for this user: chats, their messages, their source records. */
async function footprint(userId: string) {
  const shard = await shardOf(userId);
  const count = async (sql: string) => (await shard.prepare(sql).bind(userId).first<{ n: number }>())!.n;
  return {
    chats: await count('SELECT count(*) AS n FROM chats WHERE user_id = ?'),
    messages: await count('SELECT count(*) AS n FROM chat_messages m JOIN chats c ON c.id = m.chat_id WHERE c.user_id = ?'),
    sources: await count('SELECT count(*) AS n FROM chat_imports WHERE user_id = ?'),
  };
}

describe('POST /chats/import: a ChatGPT conversations.json', () => {
  it('imports the branch that ends at current_node, with titles, roles, order and timestamps, and says what it left out', async () => {
    const caller = await signUp();
    const result = await imported(caller, chatGptFile);
    expect(result.imported.map((c) => [c.title, c.messages])).toEqual([
      ['Azulejos in Lisbon', 4],
      ['Crème brûlée in Japanese', 2],
    ]);
    expect(result.skipped).toEqual(
      expect.arrayContaining([
        { title: 'Imported chat', reason: 'No messages to import (left out: 1 system message, 1 tool message)' },
        { title: 'Azulejos in Lisbon', reason: 'Imported without 1 hidden message, 1 image_asset_pointer part, 2 tool messages' },
      ]),
    );
    expect(result.skipped).toHaveLength(2);

    const lisbon = result.imported[0]!.chatId;
    expect(lisbon).toMatch(/^assistant_/);
    expect((await messagesOf(caller, lisbon)).map((m) => [m.seq, m.role, m.content, m.createdAt])).toEqual([
      [1, 'user', 'What is this tiled façade in Lisbon?', 1714470000123],
      [2, 'assistant', 'Those are **azulejos**, glazed tiles typical of Lisbon façades.', 1714470004500],
      // The edited question and its answer; the branch before the edit is not the one the user saw last.
      [3, 'user', 'Compute 17 * 23 for me, then tell me where to see more azulejos.', 1714470200000],
      // No create_time: the time of the message before it.
      [4, 'assistant', '17 × 23 = 391. See more azulejos at the Museu Nacional do Azulejo.', 1714470202000],
    ]);
    const { chats } = await expectStatus(200, 'GET', '/chats?agent=assistant', { caller });
    expect(chats.map((c: { title: string; createdAt: number; updatedAt: number }) => [c.title, c.createdAt, c.updatedAt])).toEqual([
      ['Crème brûlée in Japanese', 1714549999000, 1714550003000],
      ['Azulejos in Lisbon', 1714469990000, 1714470210000],
    ]);
    // Imported text is searchable like any other.
    expect((await search(caller, 'azulejos museu')).map((r) => [r.chatId, r.seq])).toEqual([[lisbon, 4]]);
    expect((await search(caller, 'creme brulee')).map((r) => r.chatTitle)).toContain('Crème brûlée in Japanese');
  });

  it('imports nothing new the second time, and brings back a deleted chat', async () => {
    const caller = await signUp();
    const first = await imported(caller, chatGptFile);
    const before = await footprint(caller.userId);
    const again = await imported(caller, chatGptFile);
    expect(again.imported).toEqual([]);
    expect(again.skipped.filter((s) => s.reason === 'Already imported').map((s) => s.title)).toEqual(['Azulejos in Lisbon', 'Crème brûlée in Japanese']);
    expect(await footprint(caller.userId)).toEqual(before);
    // Into another agent it is the same conversation, already here.
    expect((await imported(caller, chatGptFile, '?agent=notes')).imported).toEqual([]);

    await expectStatus(204, 'DELETE', `/chats/${first.imported[0]!.chatId}`, { caller });
    const restored = await imported(caller, chatGptFile);
    expect(restored.imported.map((c) => c.title)).toEqual(['Azulejos in Lisbon']);
  });

  it('imports into the agent named, and each user separately', async () => {
    const alice = await signUp();
    const bob = await signUp();
    const result = await imported(alice, chatGptFile, '?agent=notes');
    expect(result.imported.every((c) => c.chatId.startsWith('notes_'))).toBe(true);
    expect((await expectStatus(200, 'GET', '/chats?agent=notes', { caller: alice })).chats).toHaveLength(2);
    expect((await imported(bob, chatGptFile)).imported).toHaveLength(2);
    await expectError(await importFile(alice, chatGptFile, '?agent=nobody'), 400, 'bad_request');
    await expectError(await call('POST', '/chats/import', { rawBody: chatGptFile }), 401, 'unauthorized');
  });
});

describe('POST /chats/import: a large file', () => {
  it('imports a file just under 20 MiB (400 conversations, 9,600 messages) in one request', async () => {
    const caller = await signUp();
    const conversations = Array.from({ length: 400 }, (_, c) => {
      const mapping: Record<string, unknown> = {};
      for (let i = 0; i < 24; i++) {
        const text = `conversation ${c} message ${i} ${'lorem ipsum dolor sit amet '.repeat(70)}`;
        mapping[`n${i}`] = {
          id: `n${i}`,
          parent: i === 0 ? null : `n${i - 1}`,
          message: { author: { role: i % 2 ? 'assistant' : 'user' }, create_time: 1714470000 + i, content: { content_type: 'text', parts: [text] } },
        };
      }
      return { id: `big-${c}`, title: `Big ${c}`, create_time: 1714470000, mapping, current_node: 'n23' };
    });
    const file = JSON.stringify(conversations);
    expect(file.length).toBeGreaterThan(18.5 * 1024 * 1024);
    expect(file.length).toBeLessThan(20 * 1024 * 1024);
    const result = await imported(caller, file);
    expect(result.imported).toHaveLength(400);
    expect(result.imported.every((c) => c.messages === 24)).toBe(true);
    expect(await footprint(caller.userId)).toEqual({ chats: 400, messages: 9600, sources: 400 });
  });
});

describe('POST /chats/import: an export of this app', () => {
  async function exportedChat(owner: Caller) {
    const chatId = await createChat(owner);
    await expectStatus(200, 'PATCH', `/chats/${chatId}`, { caller: owner, body: { title: 'Groceries' } });
    const shard = await shardOf(owner.userId);
    const insert = shard.prepare(
      'INSERT INTO chat_messages (id, chat_id, seq, role, content, tool_calls, tool_call_id, name, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    await shard.batch([
      insert.bind(crypto.randomUUID(), chatId, 1, 'user', 'add a task to buy milk', null, null, null, 'complete', 1_700_000_000_001),
      insert.bind(
        crypto.randomUUID(),
        chatId,
        2,
        'assistant',
        '',
        JSON.stringify([{ id: 'call_1', name: 'create_task', arguments: '{"title":"Buy milk"}' }]),
        null,
        null,
        'complete',
        1_700_000_000_002,
      ),
      insert.bind(crypto.randomUUID(), chatId, 3, 'tool', '{"ok":true}', null, 'call_1', 'create_task', 'complete', 1_700_000_000_003),
      insert.bind(crypto.randomUUID(), chatId, 4, 'assistant', 'Done — added “Buy milk”.', null, null, null, 'interrupted', 1_700_000_000_004),
    ]);
    const response = await call('GET', `/chats/${chatId}/export?format=json`, { caller: owner });
    return { chatId, file: await response.text() };
  }

  it('brings a chat back whole: title, roles, tool calls paired with their results, statuses and timestamps', async () => {
    const owner = await signUp();
    const { chatId, file } = await exportedChat(owner);
    const original = await messagesOf(owner, chatId);

    const elsewhere = await signUp();
    const result = await imported(elsewhere, file);
    expect(result).toEqual({ imported: [{ chatId: expect.stringMatching(/^assistant_/), title: 'Groceries', messages: 4 }], skipped: [] });
    const copy = await messagesOf(elsewhere, result.imported[0]!.chatId);
    const comparable = (m: (typeof original)[number]) => [m.seq, m.role, m.content, m.toolCalls, m.toolCallId, m.name, m.status, m.createdAt];
    expect(copy.map(comparable)).toEqual(original.map(comparable));
    expect((await imported(elsewhere, file)).skipped).toEqual([{ title: 'Groceries', reason: 'Already imported' }]);
  });

  it('keeps the tree of a branched chat: seqs, parents, the head and every branch', async () => {
    const owner = await signUp();
    const chatId = await createChat(owner);
    const shard = await shardOf(owner.userId);
    const insert = shard.prepare(
      "INSERT INTO chat_messages (id, chat_id, seq, parent_seq, role, content, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'complete', ?)",
    );
    const rows: [number, number | null, string, string][] = [
      [1, null, 'user', 'Plan a trip'],
      [2, 1, 'assistant', 'Where to?'],
      [3, 2, 'user', 'Lisbon'],
      [4, 3, 'assistant', 'Lisbon it is'],
      [5, 2, 'user', 'Porto, actually'],
      [6, 5, 'assistant', 'Porto it is'],
    ];
    await shard.batch([
      shard.prepare('UPDATE chats SET head_seq = 4 WHERE id = ?').bind(chatId),
      ...rows.map(([seq, parent, role, content]) => insert.bind(crypto.randomUUID(), chatId, seq, parent, role, content, 1_700_000_000_000 + seq)),
    ]);
    const file = await (await call('GET', `/chats/${chatId}/export?format=json`, { caller: owner })).text();

    const elsewhere = await signUp();
    const [copy] = (await imported(elsewhere, file)).imported;
    expect(copy).toMatchObject({ messages: 6 });
    const tree = await (await shardOf(elsewhere.userId)).prepare('SELECT seq, parent_seq, content FROM chat_messages WHERE chat_id = ? ORDER BY seq').bind(copy!.chatId).all();
    expect(tree.results.map((m) => [m.seq, m.parent_seq, m.content])).toEqual(rows.map(([seq, parent, , content]) => [seq, parent, content]));
    // The branch the chat showed when exported is the one it shows now.
    expect((await messagesOf(elsewhere, copy!.chatId)).map((m) => m.content)).toEqual(['Plan a trip', 'Where to?', 'Lisbon', 'Lisbon it is']);
  });

  it('refuses an export whose tree does not hold together', async () => {
    const caller = await signUp();
    const chat = { id: 'assistant_x', title: 't', createdAt: 1, updatedAt: 1 };
    const message = (seq: number, parentSeq: number | null) => ({ seq, parentSeq, role: 'user', content: 'x', createdAt: 1 });
    const cases: [unknown, RegExp][] = [
      [{ chat, messages: [message(1, null), message(2, 3), message(3, 1)] }, /parentSeq of message 2 \(3\) is not an earlier message/],
      [{ chat, messages: [message(1, null), message(1, null)] }, /seq 1 appears twice/],
      [{ chat, headSeq: 9, messages: [message(1, null)] }, /headSeq: 9 is not the seq of a message/],
    ];
    for (const [body, reason] of cases) expect(await expectError(await importFile(caller, JSON.stringify(body)), 400, 'bad_request')).toMatch(reason);
    expect(await footprint(caller.userId)).toEqual({ chats: 0, messages: 0, sources: 0 });
  });

  it('does not copy a chat into the account that still has it', async () => {
    const owner = await signUp();
    const { chatId, file } = await exportedChat(owner);
    const before = await footprint(owner.userId);
    expect(await imported(owner, file)).toEqual({ imported: [], skipped: [{ title: 'Groceries', reason: 'Already in your chats' }] });
    expect(await footprint(owner.userId)).toEqual(before);
    await expectStatus(204, 'DELETE', `/chats/${chatId}`, { caller: owner });
    expect((await imported(owner, file)).imported.map((c) => c.title)).toEqual(['Groceries']);
  });
});

describe('POST /chats/import: bad files', () => {
  const conversation = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    title: `Conversation ${id}`,
    create_time: 1714470000,
    mapping: {
      root: { id: 'root', message: null, parent: null, children: ['q'] },
      q: {
        id: 'q',
        message: { author: { role: 'user' }, create_time: 1714470001, content: { content_type: 'text', parts: ['hi'] } },
        parent: 'root',
        children: [],
      },
    },
    current_node: 'q',
    ...extra,
  });

  it('answers 400 saying what is wrong, and writes nothing', async () => {
    const caller = await signUp();
    const good = [conversation('c1'), conversation('c2')];
    const cases: [string, string, RegExp][] = [
      ['invalid JSON', '{"chat": ', /not valid JSON/],
      ['a number', '42', /neither a chat exported from this app .* nor a ChatGPT conversations\.json/],
      ['an object of another kind', '{"hello": "world"}', /neither/],
      ['an empty array', '[]', /holds no conversations/],
      ['an array of strings', '["a"]', /conversations\[0\]: /],
      ['a conversation without mapping, after good ones', JSON.stringify([...good, { id: 'c3', current_node: 'x' }]), /conversations\[2\]\.mapping: /],
      [
        'a message without an author',
        JSON.stringify([...good, conversation('c3', { mapping: { q: { message: { content: { content_type: 'text', parts: [] } } } } })]),
        /conversations\[2\]\.mapping\.q\.message\.author: /,
      ],
      [
        'current_node not in mapping',
        JSON.stringify([...good, conversation('c3', { current_node: 'nowhere' })]),
        /conversations\[2\] \("Conversation c3"\): node "nowhere" is named but not in mapping/,
      ],
      [
        'a node that is its own ancestor',
        JSON.stringify([conversation('c3', { mapping: { a: { message: null, parent: 'b' }, b: { message: null, parent: 'a' } }, current_node: 'a' })]),
        /go round in a loop/,
      ],
      [
        'a node named after an Object method',
        JSON.stringify([conversation('c3', { current_node: 'toString' })]),
        /node "toString" is named but not in mapping/,
      ],
      ['a conversation without an id', JSON.stringify([{ ...conversation('c3'), id: undefined }]), /has no id or conversation_id/],
      ['a time that is not a number', JSON.stringify([conversation('c3', { create_time: 'yesterday' })]), /conversations\[0\]\.create_time: /],
      [
        'an export with a system message',
        JSON.stringify({ chat: { id: 'c', title: 't', createdAt: 1, updatedAt: 1 }, messages: [{ seq: 1, role: 'system', content: 'x', createdAt: 1 }] }),
        /messages\.0\.role: /,
      ],
      ['an export without its chat id', JSON.stringify({ chat: { title: 't', createdAt: 1, updatedAt: 1 }, messages: [] }), /chat\.id: /],
    ];
    for (const [what, body, message] of cases) {
      expect(await expectError(await importFile(caller, body), 400, 'bad_request'), what).toMatch(message);
    }
    expect(await footprint(caller.userId)).toEqual({ chats: 0, messages: 0, sources: 0 });
    // The good conversations alone import fine.
    expect((await imported(caller, JSON.stringify(good))).imported).toHaveLength(2);
  });

  it('accepts a file with a byte-order mark and a single conversation taken out of an export', async () => {
    const caller = await signUp();
    expect((await imported(caller, `\uFEFF${JSON.stringify([conversation('bom')])}`)).imported).toHaveLength(1);
    expect((await imported(caller, JSON.stringify(conversation('single')))).imported).toHaveLength(1);
  });

  it('answers 413 over IMPORT_MAX_BYTES (20 MiB by default), and the 64 KiB limit of other requests does not apply', async () => {
    const caller = await signUp();
    const tooBig = `[${' '.repeat(20 * 1024 * 1024 - 1)}]`;
    expect(await expectError(await importFile(caller, tooBig), 413, 'payload_too_large')).toBe('Import files are limited to 20 MiB');
    // 300 KB of one conversation: over the app's 64 KiB, under the import's limit.
    const long = conversation('long', {
      mapping: {
        q: { message: { author: { role: 'user' }, create_time: 1714470001, content: { content_type: 'text', parts: ['x'.repeat(300_000)] } }, parent: null },
      },
    });
    expect((await imported(caller, JSON.stringify([long]))).imported).toEqual([{ chatId: expect.any(String), title: 'Conversation long', messages: 1 }]);
    await expectError(
      await call('POST', '/chats', { caller, rawBody: JSON.stringify({ agent: 'assistant', pad: 'x'.repeat(70_000) }) }),
      413,
      'payload_too_large',
    );
  });

  it('reads IMPORT_MAX_BYTES from its var, with or without a Content-Length, and writes nothing past it', async () => {
    const caller = await signUp();
    const file = JSON.stringify([conversation('limit', { title: 'x'.repeat(2000) })]);
    const send = async (max: string, body: BodyInit) => {
      const ctx = createExecutionContext();
      const response = await app.fetch(
        new Request(`${ORIGIN}/api/chats/import`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${caller.token}`, Origin: ORIGIN, 'CF-Connecting-IP': caller.ip },
          body,
        }),
        { ...env, IMPORT_MAX_BYTES: max },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return response;
    };
    const streamed = () =>
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(file));
          controller.close();
        },
      });
    expect(await expectError(await send('2000', file), 413, 'payload_too_large')).toBe('Import files are limited to 2000 bytes');
    await expectError(await send('2000', streamed()), 413, 'payload_too_large');
    expect(await footprint(caller.userId)).toEqual({ chats: 0, messages: 0, sources: 0 });
    expect((await send(String(file.length), file)).status).toBe(201);
  });
});
