/**
 * SPEC §16 across crashes and history: a reply cut off on a branch comes back on that branch,
 * and chats written before branches existed (or by code that knows none) read as one line.
 */
import { shardOf } from './shard-helpers';
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { executorStub, openSession, signUp } from './helpers';
import { marker, modelRequests, newChat, readUntilDeltas, sendStreaming, storedMessages } from './turn-helpers';
import { expectOnePath, page, placesOf, regenerateStreaming, seqsOf, storedTree, turn } from './branch-helpers';

/** Waits for a checkpoint to land, then kills the object mid-reply. */
async function crashMidReply(response: Response) {
  const { reader } = await readUntilDeltas(response, 3);
  await new Promise((r) => setTimeout(r, 300));
  await abortAllDurableObjects();
  await reader.cancel().catch(() => undefined);
}

describe('a crash mid-reply on a branch', () => {
  it('recovers the partial reply of an edit onto the edit’s branch, and the chat goes on from there', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await turn(caller, chatId, 'first alpha [[tokens:2]]');
    await turn(caller, chatId, 'second bravo [[tokens:2]]');
    await crashMidReply(await sendStreaming(caller, chatId, 'second edited charlie [[slow]] [[tokens:200]]', { parentSeq: 2 }));

    // The woken executor writes the orphaned checkpoint before it serves anyone.
    const reopened = await openSession(caller, { chatId, clientInstanceId: crypto.randomUUID() });
    expect(placesOf(reopened.messages)).toEqual(['1:1/1', '2:1/1', '5:2/2', '6:1/1']);
    expect(reopened.messages.at(-1)).toMatchObject({ parentSeq: 5, status: 'interrupted', content: expect.stringMatching(/^token1 token2 token3/) });
    expect(await storedTree(chatId)).toEqual([
      [1, null],
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 2],
      [6, 5],
    ]);

    const tag = marker();
    const next = await turn(caller, chatId, `third delta ${tag} [[tokens:2]]`);
    expect(next.user).toMatchObject({ seq: 7, parentSeq: 6 });
    const said = JSON.stringify((await modelRequests(tag))[0].messages);
    expect(said).toContain('charlie');
    expect(said).not.toContain('bravo');
  });

  it('loses nothing acknowledged when a regeneration dies: the old reply stays, the partial one is its sibling', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await turn(caller, chatId, 'first alpha [[tokens:2]]');
    const original = await turn(caller, chatId, 'second bravo [[tokens:20]] [[delay:150]]');
    await crashMidReply(await regenerateStreaming(caller, chatId, original.reply.seq));

    const shown = await page(caller, chatId);
    // The Worker reads D1 directly: before the executor wakes, the chat still shows the old reply.
    expect(seqsOf(shown.messages)).toEqual([1, 2, 3, 4]);
    const reopened = await openSession(caller, { chatId, clientInstanceId: crypto.randomUUID() });
    expect(placesOf(reopened.messages)).toEqual(['1:1/1', '2:1/1', '3:1/1', '5:2/2']);
    expect(reopened.messages.at(-1)).toMatchObject({ parentSeq: 3, status: 'interrupted' });
    const rows = await storedMessages(chatId);
    expect(rows.find((m) => m.seq === 4)).toMatchObject({ content: original.reply.content, status: 'complete', parent_seq: 3 });
    expectOnePath((await page(caller, chatId)).messages);
  });
});

describe('chats written without branches', () => {
  it('keeps an edited first message a root in a chat that had no head yet (its first write since the migration)', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const shard = await shardOf(caller.userId);
    const insert = shard.prepare("INSERT INTO chat_messages (id, chat_id, seq, role, content, status, created_at) VALUES (?, ?, ?, ?, ?, 'complete', ?)");
    await shard.batch([1, 2].map((seq) => insert.bind(crypto.randomUUID(), chatId, seq, seq === 1 ? 'user' : 'assistant', `old ${seq}`, seq)));
    await abortAllDurableObjects();
    const edited = await turn(caller, chatId, 'a new start [[tokens:2]]', { parentSeq: null });
    expect(edited.user).toMatchObject({ seq: 3, parentSeq: null, siblings: { index: 2, count: 2 } });
    expect(await storedTree(chatId)).toEqual([
      [1, null],
      [2, 1],
      [3, null],
      [4, 3],
    ]);
    expect(placesOf((await page(caller, chatId)).messages)).toEqual(['3:2/2', '4:1/1']);
  });

  it('lands a message an object stored in its outbox before branches after the one before it', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await turn(caller, chatId, 'first alpha [[tokens:2]]');
    // As the code of before branches wrote them: no parentSeq, a touch with no head.
    const legacy = {
      id: crypto.randomUUID(),
      chatId,
      seq: 3,
      role: 'user',
      content: 'from the old code',
      toolCalls: null,
      toolCallId: null,
      name: null,
      status: 'complete',
      clientMessageId: null,
      model: null,
      promptTokens: null,
      completionTokens: null,
      timings: null,
      createdAt: Date.now(),
    };
    await runInDurableObject(executorStub(caller), (_i, state) => {
      state.storage.sql.exec('INSERT INTO outbox (entry) VALUES (?)', JSON.stringify({ kind: 'message', message: legacy }));
      state.storage.sql.exec('INSERT INTO outbox (entry) VALUES (?)', JSON.stringify({ kind: 'chat-touch', chatId, at: legacy.createdAt, title: null }));
    });
    await abortAllDurableObjects(); // the woken object replays its outbox first
    await openSession(caller, { chatId, clientInstanceId: crypto.randomUUID() });
    expect(await storedTree(chatId)).toEqual([
      [1, null],
      [2, 1],
      [3, 2],
    ]);
    // …and the chat shows it: the head is the newest message of the line.
    expect(seqsOf((await page(caller, chatId)).messages)).toEqual([1, 2, 3]);
  });

  it('gives a row written with no parent into a chat with no head the previous message as parent (seeds, imports, old code)', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const shard = await shardOf(caller.userId);
    const insert = shard.prepare(
      "INSERT INTO chat_messages (id, chat_id, seq, role, content, status, created_at) VALUES (?, ?, ?, 'user', 'seeded', 'complete', 1)",
    );
    await shard.batch([1, 2, 4].map((seq) => insert.bind(crypto.randomUUID(), chatId, seq)));
    expect(await storedTree(chatId)).toEqual([
      [1, null],
      [2, 1],
      [4, 2],
    ]);
    expect(seqsOf((await page(caller, chatId)).messages)).toEqual([1, 2, 4]);
  });
});
