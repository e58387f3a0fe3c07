import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client';
import { messageRow } from '../../src/db/messages';
import { ChatAccess } from '../../src/objects/chat-access';
import { Drafts } from '../../src/objects/drafts';
import { ChatLedger } from '../../src/objects/chat-ledger';
import { buildExecutor } from '../../src/objects/executor-build';
import { openSession } from '../../src/objects/session-open';
import type { OpenSessionRequest } from '../../src/objects/rpc-contract';
import { ApiError } from '../../src/shared/errors';
import type { Owner } from '../../src/shared/owner';
import { seedMessages } from '../helpers';
import { d1Rows, loggedDb, ownerOf, sessionModules, sessionRows } from './harness';

const login = { authSessionId: null, expiresAt: Date.now() + 3_600_000 };

/** The session-open module with everything it uses, over the object's real storage and D1. */
async function opener(state: DurableObjectState, db: Db, owner: Owner) {
  const { config, registry, lifecycle } = sessionModules(state, db);
  const chats = new ChatAccess(db, owner);
  const ledger = new ChatLedger(state.storage.sql, db, () => null, (error) => {
    throw error;
  });
  const executor = await buildExecutor(db, config, owner, undefined);
  const deps = { db, owner, historyWindow: config.historyWindow, maxActiveSessions: config.maxActiveSessions, chats, ledger, registry, lifecycle, drafts: new Drafts(state.storage.sql) };
  return {
    config,
    registry,
    ledger,
    open: (request: Partial<OpenSessionRequest>) => openSession(deps, executor, { login, ...request }),
  };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return `${error.status} ${error.code}`;
}

const sessionsOf = (userId: string) => d1Rows<{ id: string; chat_id: string; is_active: number; end_reason: string | null }>('SELECT id, chat_id, is_active, end_reason FROM chat_sessions WHERE user_id = ? ORDER BY created_at', userId);

describe('session open', () => {
  it('gives a new tab with no chat a new chat and session, stored together; the same tab gets that session back', async () => {
    const { owner, stub } = await ownerOf();
    const { db } = loggedDb();
    const [first, again] = await runInDurableObject(stub, async (_i, state) => {
      const { open } = await opener(state, db, owner);
      return [await open({ clientInstanceId: 'tab-1' }), await open({ clientInstanceId: 'tab-1' })];
    });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.session.id).toBe(first.session.id);
    expect(again.chat.id).toBe(first.chat.id);
    expect(await d1Rows('SELECT id, agent_name FROM chats WHERE user_id = ?', owner.userId)).toEqual([{ id: first.chat.id, agent_name: 'assistant' }]);
    expect(await sessionsOf(owner.userId)).toEqual([{ id: first.session.id, chat_id: first.chat.id, is_active: 1, end_reason: null }]);
  });

  it('reuses the tab’s session after the object was evicted (modules rebuilt over the same storage)', async () => {
    const { owner, stub } = await ownerOf();
    const { db } = loggedDb();
    const first = await runInDurableObject(stub, async (_i, state) => (await opener(state, db, owner)).open({ clientInstanceId: 'tab' }));
    const again = await runInDurableObject(stub, async (_i, state) => (await opener(state, db, owner)).open({ clientInstanceId: 'tab' }));
    expect([again.created, again.session.id]).toEqual([false, first.session.id]);
    expect(await sessionsOf(owner.userId)).toHaveLength(1);
  });

  it('opens the most recently updated open chat when none is named', async () => {
    const { owner, stub } = await ownerOf();
    const { db } = loggedDb();
    const access = new ChatAccess(db, owner);
    const older = await access.create();
    const newer = await access.create();
    await d1Rows('UPDATE chats SET updated_at = ? WHERE id = ?', Date.now() + 1000, newer.id);
    await d1Rows('UPDATE chats SET updated_at = ? WHERE id = ?', Date.now() - 1000, older.id);
    const opened = await runInDurableObject(stub, async (_i, state) => (await opener(state, db, owner)).open({ clientInstanceId: 'tab' }));
    expect(opened.chat.id).toBe(newer.id);
  });

  it('ends the tab’s old session as replaced when the tab moves to another chat', async () => {
    const { owner, stub } = await ownerOf();
    const { db } = loggedDb();
    const home = await new ChatAccess(db, owner).create();
    const other = await new ChatAccess(db, owner).create();
    const [first, moved, live] = await runInDurableObject(stub, async (_i, state) => {
      const { open, registry } = await opener(state, db, owner);
      const first = await open({ clientInstanceId: 'tab', chatId: home.id });
      const moved = await open({ clientInstanceId: 'tab', chatId: other.id });
      return [first, moved, registry.list().map((s) => s.id)];
    });
    expect(moved.created).toBe(true);
    expect(moved.chat.id).toBe(other.id);
    expect(live).toEqual([moved.session.id]);
    expect((await sessionRows(first.session.id, moved.session.id)).map((r) => [r!.is_active, r!.end_reason])).toEqual([
      [0, 'replaced'],
      [1, null],
    ]);
  });

  it('ends a lapsed session as expired and opens a new one on the same chat', async () => {
    const { owner, stub } = await ownerOf();
    const { db } = loggedDb();
    const [first, reopened] = await runInDurableObject(stub, async (_i, state) => {
      const { open, config } = await opener(state, db, owner);
      const first = await open({ clientInstanceId: 'tab' });
      state.storage.sql.exec('UPDATE live_sessions SET last_beat_at = ? WHERE id = ?', Date.now() - config.sessionTtlMs - 1, first.session.id);
      return [first, await open({ clientInstanceId: 'tab' })];
    });
    expect(reopened.created).toBe(true);
    expect(reopened.session.id).not.toBe(first.session.id);
    expect(reopened.chat.id).toBe(first.chat.id);
    expect((await sessionRows(first.session.id))[0]).toMatchObject({ is_active: 0, end_reason: 'expired' });
  });

  it('ends nothing and opens nothing when the chat named is not the caller’s, or does not exist', async () => {
    const { owner, stub } = await ownerOf();
    const stranger = await ownerOf();
    const { db } = loggedDb();
    const theirs = await new ChatAccess(db, stranger.owner).create();
    const notesChat = await new ChatAccess(db, { ...owner, agentName: 'notes' }).create();
    const [first, refusals, live] = await runInDurableObject(stub, async (_i, state) => {
      const { open, registry } = await opener(state, db, owner);
      const first = await open({ clientInstanceId: 'tab' });
      const refusals = [
        await refusal(open({ clientInstanceId: 'tab', chatId: theirs.id })),
        await refusal(open({ clientInstanceId: 'tab', chatId: notesChat.id })),
        await refusal(open({ clientInstanceId: 'tab', chatId: `assistant_${crypto.randomUUID()}` })),
      ];
      return [first, refusals, registry.list().map((s) => s.id)];
    });
    expect(refusals).toEqual(['404 not_found', '404 not_found', '404 not_found']);
    expect(live).toEqual([first.session.id]);
    expect(await sessionsOf(owner.userId)).toEqual([{ id: first.session.id, chat_id: first.chat.id, is_active: 1, end_reason: null }]);
  });

  it('answers the chat’s newest page, with acknowledged messages still in the outbox', async () => {
    const { owner, stub } = await ownerOf();
    const { db } = loggedDb();
    const chat = await new ChatAccess(db, owner).create();
    await seedMessages(chat.id, 60);
    const opened = await runInDurableObject(stub, async (_i, state) => {
      const { open, ledger } = await opener(state, db, owner);
      ledger.store(messageRow({ chatId: chat.id, seq: 61, parentSeq: 60, role: 'user', content: 'only in the outbox so far' }));
      return open({ clientInstanceId: 'tab', chatId: chat.id });
    });
    expect(opened.messages).toHaveLength(50);
    expect(opened.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 12 + i));
    expect(opened.messages.at(-1)!.content).toBe('only in the outbox so far');
    expect(opened.hasMore).toBe(true);
    expect(await d1Rows('SELECT seq FROM chat_messages WHERE chat_id = ? AND seq = 61', chat.id)).toEqual([]);
  });
});

