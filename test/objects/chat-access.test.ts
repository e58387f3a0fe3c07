import { describe, expect, it } from 'vitest';
import { ChatAccess } from '../../src/objects/chat-access';
import { ApiError } from '../../src/shared/errors';
import { seedMessages } from '../helpers';
import { d1Rows, loggedDb, ownerOf } from './harness';

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return `${error.status} ${error.code}`;
}

describe('chat access', () => {
  it('creates a chat row for its owner and agent, and knows it from then on without a read', async () => {
    const { owner } = await ownerOf('notes');
    const { db, log } = loggedDb();
    const access = new ChatAccess(db, owner);
    const chat = await access.create();
    const [row] = await d1Rows('SELECT user_id, agent_name, title, archived_at FROM chats WHERE id = ?', chat.id);
    expect(row).toEqual({ user_id: owner.userId, agent_name: 'notes', title: 'New chat', archived_at: null });
    expect(access.knows(chat.id)).toBe(true);
    await access.check(chat.id);
    expect(log.readsOf('chats')).toBe(0);
  });

  it('reads D1 the first time a chat is checked and not the second', async () => {
    const { owner } = await ownerOf();
    const chat = await new ChatAccess(loggedDb().db, owner).create();
    // A fresh instance, as after an eviction: it has to ask D1 once.
    const { db, log } = loggedDb();
    const access = new ChatAccess(db, owner);
    await access.check(chat.id);
    expect(log.readsOf('chats')).toBe(1);
    await access.check(chat.id);
    await access.check(chat.id);
    expect(log.readsOf('chats')).toBe(1);
    // A deleted chat is forgotten, so the next check asks again.
    access.forget(chat.id);
    await access.check(chat.id);
    expect(log.readsOf('chats')).toBe(2);
  });

  it('answers 404 for another user’s chat, every time, and never remembers it', async () => {
    const mine = await ownerOf();
    const theirs = await ownerOf();
    const theirChat = await new ChatAccess(loggedDb().db, theirs.owner).create();
    const { db, log } = loggedDb();
    const access = new ChatAccess(db, mine.owner);
    expect(await refusal(access.check(theirChat.id))).toBe('404 not_found');
    expect(await refusal(access.check(theirChat.id))).toBe('404 not_found');
    expect(await refusal(access.owned(theirChat.id))).toBe('404 not_found');
    expect(await refusal(access.ownedWithPath(theirChat.id, 10))).toBe('404 not_found');
    expect(access.knows(theirChat.id)).toBe(false);
    expect(log.readsOf('chats')).toBe(4);
  });

  it('answers 404 for the same user’s chat with another agent, and for a chat that does not exist', async () => {
    const { owner } = await ownerOf('assistant');
    const notesChat = await new ChatAccess(loggedDb().db, { ...owner, agentName: 'notes' }).create();
    const access = new ChatAccess(loggedDb().db, owner);
    expect(await refusal(access.check(notesChat.id))).toBe('404 not_found');
    expect(await refusal(access.check(`assistant_${crypto.randomUUID()}`))).toBe('404 not_found');
    expect(access.knows(notesChat.id)).toBe(false);
  });

  it('reads ownership and the newest messages of the head’s path in one round trip, ascending', async () => {
    const { owner } = await ownerOf();
    const chat = await new ChatAccess(loggedDb().db, owner).create();
    await seedMessages(chat.id, 12);
    // Another branch: 13 and 14 follow 9, but the head stays at 12.
    await d1Rows(
      "INSERT INTO chat_messages (id, chat_id, seq, parent_seq, role, content, status, created_at) VALUES (?, ?, 13, 9, 'assistant', 'other', 'complete', 1), (?, ?, 14, 13, 'user', 'other', 'complete', 1)",
      crypto.randomUUID(),
      chat.id,
      crypto.randomUUID(),
      chat.id,
    );
    await d1Rows('UPDATE chats SET head_seq = 12 WHERE id = ?', chat.id);
    const { db, log } = loggedDb();
    const access = new ChatAccess(db, owner);
    const read = await access.ownedWithPath(chat.id, 5);
    expect(read.messages.map((m) => m.seq)).toEqual([8, 9, 10, 11, 12]);
    // 10 and 13 both follow 9: 10 is the first of two.
    expect(read.messages.map((m) => `${m.siblings.index}/${m.siblings.count}`)).toEqual(['1/1', '1/1', '1/2', '1/1', '1/1']);
    expect(read).toMatchObject({ hasMore: true, headSeq: 12, lastSeq: 14 });
    expect(log.statements).toHaveLength(2); // the chat and its path, in one batch
    await access.check(chat.id);
    expect(log.statements).toHaveLength(2);
  });

  it('finds the most recently updated open chat, passing over an archived newer one', async () => {
    const { owner } = await ownerOf();
    const { db } = loggedDb();
    const access = new ChatAccess(db, owner);
    expect(await access.latestOpen()).toBeNull();
    const older = await access.create();
    const middle = await access.create();
    const archived = await access.create();
    const now = Date.now();
    await d1Rows('UPDATE chats SET updated_at = ? WHERE id = ?', now + 1000, older.id);
    await d1Rows('UPDATE chats SET updated_at = ?, archived_at = ? WHERE id = ?', now + 2000, now, archived.id);
    expect((await access.latestOpen())?.id).toBe(older.id);
    await d1Rows('UPDATE chats SET updated_at = ? WHERE id = ?', now + 1500, middle.id);
    expect((await access.latestOpen())?.id).toBe(middle.id);
  });

  it('resolves where the compatibility API talks: the chat named, else the latest, else a new one', async () => {
    const { owner } = await ownerOf();
    const access = new ChatAccess(loggedDb().db, owner);
    const created = await access.resolve(null);
    expect(await d1Rows('SELECT id FROM chats WHERE user_id = ?', owner.userId)).toEqual([{ id: created.id }]);
    expect((await access.resolve(null)).id).toBe(created.id);
    const other = await access.create();
    await d1Rows('UPDATE chats SET updated_at = ? WHERE id = ?', Date.now() + 1000, other.id);
    expect((await access.resolve(created.id)).id).toBe(created.id);
    expect((await access.resolve(null)).id).toBe(other.id);
    const stranger = await ownerOf();
    expect(await refusal(new ChatAccess(loggedDb().db, stranger.owner).resolve(created.id))).toBe('404 not_found');
  });

  it('renames (locking the title) and archives its own chat, and refuses another user’s without touching it', async () => {
    const { owner } = await ownerOf();
    const access = new ChatAccess(loggedDb().db, owner);
    const chat = await access.create();
    const renamed = await access.update(chat.id, { title: 'Trip plans' });
    expect([renamed.title, renamed.titleLocked, renamed.archivedAt]).toEqual(['Trip plans', true, null]);
    expect((await access.update(chat.id, { archived: true })).archivedAt).not.toBeNull();
    expect((await access.update(chat.id, { archived: false })).archivedAt).toBeNull();

    const stranger = await ownerOf();
    const before = await d1Rows('SELECT * FROM chats WHERE id = ?', chat.id);
    expect(await refusal(new ChatAccess(loggedDb().db, stranger.owner).update(chat.id, { title: 'mine now', archived: true }))).toBe('404 not_found');
    expect(await d1Rows('SELECT * FROM chats WHERE id = ?', chat.id)).toEqual(before);
  });
});
