import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client';
import type { Db } from '../../src/db/client';
import { importStatements } from '../../src/db/imports';
import { importChats } from '../../src/objects/chat-import';
import type { ImportConversation } from '../../src/objects/chat-import';
import type { Owner } from '../../src/shared/owner';
import { d1Rows, ownerOf } from './harness';

function conversation(key: string, messages: number, contentBytes = 20): ImportConversation {
  return {
    sourceKey: `chatgpt:${key}`,
    title: `Conversation ${key}`,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_900_000,
    messages: Array.from({ length: messages }, (_, i) => ({
      seq: i + 1,
      parentSeq: i === 0 ? null : i,
      role: i % 2 ? 'assistant' : 'user',
      content: `${key} message ${i} ${'é'.repeat(contentBytes / 2)}`,
      toolCalls: null,
      toolCallId: null,
      name: null,
      status: 'complete',
      createdAt: 1_700_000_000_000 + i,
    })),
    headSeq: null,
    leftOut: null,
  };
}

interface Recorded {
  batches: { sql: string; params: unknown[] }[][];
}

/** The real D1, recording every batch it is sent (statements and parameters); `failBatch` makes that one fail. */
function recordingDb(failBatch: number | null = null): { db: Db; recorded: Recorded } {
  const recorded: Recorded = { batches: [] };
  const d1 = new Proxy(env.SHARD_0, {
    get(target, property) {
      if (property === 'prepare') {
        return (sql: string) => {
          const statement = target.prepare(sql);
          return new Proxy(statement, {
            get(s, p) {
              if (p === 'bind') {
                return (...params: unknown[]) => Object.assign(s.bind(...params), { recorded: { sql, params } });
              }
              const v: unknown = Reflect.get(s, p);
              return typeof v === 'function' ? v.bind(s) : v;
            },
          });
        };
      }
      if (property === 'batch') {
        return (statements: (D1PreparedStatement & { recorded?: { sql: string; params: unknown[] } })[]) => {
          recorded.batches.push(statements.map((s) => s.recorded ?? { sql: '?', params: [] }));
          if (recorded.batches.length === failBatch) return Promise.reject(new Error('D1_ERROR: Network connection lost.'));
          return target.batch(statements);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: createDb(d1), recorded };
}

async function chatsOf(owner: Owner) {
  return d1Rows<{ id: string; title: string; agent_name: string; created_at: number; updated_at: number; title_locked: number; n: number }>(
    `SELECT c.id, c.title, c.agent_name, c.created_at, c.updated_at, c.title_locked, (SELECT count(*) FROM chat_messages m WHERE m.chat_id = c.id) AS n
     FROM chats c WHERE c.user_id = ? ORDER BY c.title`,
    owner.userId,
  );
}

const utf8 = (s: string) => new TextEncoder().encode(s).length;

describe('chat import (executor module)', () => {
  it('writes each conversation as a chat of its agent, messages in order, and remembers its source', async () => {
    const { owner } = await ownerOf('notes');
    const result = await importChats({ db: createDb(env.SHARD_0), owner, maxChats: 100 }, [conversation('a', 3), conversation('b', 1)], 1_800_000_000_000);
    expect(result.skipped).toEqual([]);
    expect(result.imported.map((c) => [c.title, c.messages])).toEqual([
      ['Conversation a', 3],
      ['Conversation b', 1],
    ]);
    const [a] = result.imported;
    expect(await chatsOf(owner)).toEqual([
      { id: a!.chatId, title: 'Conversation a', agent_name: 'notes', created_at: 1_700_000_000_000, updated_at: 1_700_000_900_000, title_locked: 1, n: 3 },
      expect.objectContaining({ title: 'Conversation b', n: 1 }),
    ]);
    expect(await d1Rows('SELECT seq, role, content, created_at FROM chat_messages WHERE chat_id = ? ORDER BY seq', a!.chatId)).toEqual([
      { seq: 1, role: 'user', content: `a message 0 ${'é'.repeat(10)}`, created_at: 1_700_000_000_000 },
      { seq: 2, role: 'assistant', content: `a message 1 ${'é'.repeat(10)}`, created_at: 1_700_000_000_001 },
      { seq: 3, role: 'user', content: `a message 2 ${'é'.repeat(10)}`, created_at: 1_700_000_000_002 },
    ]);
    expect(await d1Rows('SELECT source_key, chat_id, created_at FROM chat_imports WHERE user_id = ? ORDER BY source_key', owner.userId)).toEqual([
      { source_key: 'chatgpt:a', chat_id: a!.chatId, created_at: 1_800_000_000_000 },
      { source_key: 'chatgpt:b', chat_id: result.imported[1]!.chatId, created_at: 1_800_000_000_000 },
    ]);
  });

  it("stays within D1's limits: few statements, few parameters, no parameter near 2 MB, however many messages", async () => {
    const { owner } = await ownerOf();
    const { db, recorded } = recordingDb();
    // 6 MB of text in 300 conversations of 10 messages of 2 KB.
    const conversations = Array.from({ length: 300 }, (_, i) => conversation(`big${i}`, 10, 2000));
    const result = await importChats({ db, owner, maxChats: 1000 }, conversations);
    expect(result.imported).toHaveLength(300);
    const statements = recorded.batches.flat();
    expect(statements.length).toBeLessThan(40);
    for (const batch of recorded.batches) expect(batch.length).toBeLessThanOrEqual(100);
    for (const s of statements) {
      expect(s.params.length).toBeLessThanOrEqual(100);
      expect(utf8(s.sql)).toBeLessThan(100_000);
      for (const p of s.params) if (typeof p === 'string') expect(utf8(p)).toBeLessThanOrEqual(600 * 1024);
    }
    const [row] = await d1Rows<{ n: number }>('SELECT count(*) AS n FROM chat_messages m JOIN chats c ON c.id = m.chat_id WHERE c.user_id = ?', owner.userId);
    expect(row!.n).toBe(3000);
  });

  it('is all-or-nothing per batch: a failed batch leaves no chat, message or source of it, and importing again finishes the job', async () => {
    const { owner } = await ownerOf();
    // 150 conversations: two batches of at most 100 chats; the second one fails.
    const conversations = Array.from({ length: 150 }, (_, i) => conversation(`f${i}`, 2));
    const { db } = recordingDb(2);
    await expect(importChats({ db, owner, maxChats: 1000 }, conversations)).rejects.toThrow(/Network connection lost/);
    const afterFailure = await chatsOf(owner);
    expect(afterFailure).toHaveLength(100);
    expect(afterFailure.every((c) => c.n === 2)).toBe(true);
    const [sources] = await d1Rows<{ n: number }>('SELECT count(*) AS n FROM chat_imports WHERE user_id = ?', owner.userId);
    expect(sources!.n).toBe(100);

    const retried = await importChats({ db: createDb(env.SHARD_0), owner, maxChats: 1000 }, conversations);
    expect(retried.imported).toHaveLength(50);
    expect(retried.skipped.filter((s) => s.reason === 'Already imported')).toHaveLength(100);
    expect(await chatsOf(owner)).toHaveLength(150);
  });

  it('imports a conversation once when two agents import the same file at the same time', async () => {
    const { owner } = await ownerOf();
    const notes: Owner = { ...owner, agentName: 'notes' };
    const conversations = Array.from({ length: 30 }, (_, i) => conversation(`race${i}`, 3));
    const db = createDb(env.SHARD_0);
    const [a, b] = await Promise.all([
      importChats({ db, owner, maxChats: 1000 }, conversations),
      importChats({ db, owner: notes, maxChats: 1000 }, conversations),
    ]);
    expect(a.imported.length + b.imported.length).toBe(30);
    const chats = await chatsOf(owner);
    expect(chats).toHaveLength(30);
    expect(new Set(chats.map((c) => c.title)).size).toBe(30);
  });

  it('never takes the user past MAX_CHATS_PER_USER, and says which conversations did not fit', async () => {
    const { owner } = await ownerOf();
    const db = createDb(env.SHARD_0);
    await importChats({ db, owner, maxChats: 100 }, [conversation('first', 1)]);
    const result = await importChats({ db, owner, maxChats: 3 }, [conversation('c1', 1), conversation('c2', 1), conversation('c3', 1)]);
    expect(result.imported.map((c) => c.title)).toEqual(['Conversation c1', 'Conversation c2']);
    expect(result.skipped).toEqual([{ title: 'Conversation c3', reason: 'You have reached the limit of 3 chats; delete some to start another' }]);
  });

  it('takes a batch back out when another executor filled the cap meanwhile (the guard inside the batch)', async () => {
    const { owner } = await ownerOf();
    const db = createDb(env.SHARD_0);
    await importChats({ db, owner, maxChats: 100 }, [conversation('existing', 1)]);
    const rows = [
      { id: `assistant_${crypto.randomUUID()}`, sourceKey: 'chatgpt:late1', title: 'late1', createdAt: 1, updatedAt: 1, headSeq: 1 },
      { id: `assistant_${crypto.randomUUID()}`, sourceKey: 'chatgpt:late2', title: 'late2', createdAt: 1, updatedAt: 1, headSeq: 1 },
    ];
    const message = JSON.stringify([crypto.randomUUID(), rows[0]!.id, 1, 'user', 'hi', null, null, null, 'complete', 1, null]);
    await env.SHARD_0.batch(
      importStatements(env.SHARD_0, { userId: owner.userId, agentName: 'assistant', maxChats: 2, chats: rows, messageChunks: [[message]], now: 1 }),
    );
    expect((await chatsOf(owner)).map((c) => c.title)).toEqual(['Conversation existing']);
    const [left] = await d1Rows<{ n: number }>('SELECT count(*) AS n FROM chat_imports WHERE user_id = ? AND source_key LIKE ?', owner.userId, 'chatgpt:late%');
    expect(left!.n).toBe(0);
  });

  it('leaves out a message over 1 MB (a D1 row holds 2 MB), and skips what has nothing left or appears twice', async () => {
    const { owner } = await ownerOf();
    const big = conversation('big', 3);
    big.messages[1]!.content = 'x'.repeat(1_100_000);
    const empty: ImportConversation = { ...conversation('empty', 0), leftOut: '2 system messages' };
    const result = await importChats({ db: createDb(env.SHARD_0), owner, maxChats: 100 }, [big, empty, conversation('big', 1)]);
    expect(result.imported.map((c) => [c.title, c.messages])).toEqual([['Conversation big', 2]]);
    expect(result.skipped).toEqual(
      expect.arrayContaining([
        { title: 'Conversation big', reason: 'Appears more than once in the file' },
        { title: 'Conversation empty', reason: 'No messages to import (left out: 2 system messages)' },
        { title: 'Conversation big', reason: 'Imported without 1 message over 1 MB' },
      ]),
    );
    expect(result.skipped).toHaveLength(3);
    const [chat] = await chatsOf(owner);
    // The message left out was 2: its child 3 now follows 1, so the branch still reaches the root.
    expect(await d1Rows('SELECT seq, parent_seq FROM chat_messages WHERE chat_id = ? ORDER BY seq', chat!.id)).toEqual([
      { seq: 1, parent_seq: null },
      { seq: 3, parent_seq: 1 },
    ]);
    expect(await d1Rows('SELECT head_seq FROM chats WHERE id = ?', chat!.id)).toEqual([{ head_seq: 3 }]);
  });
});
