import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ChatAccess } from '../../src/objects/chat-access';
import { ApiError } from '../../src/shared/errors';
import { loggedDb, ownerOf, seedSession, sessionModules, sessionRows } from './harness';

/** The status and code a call refused with, or 'ok'. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof ApiError) return `${error.status} ${error.code}`;
    throw error;
  }
}

/** A user's executor storage, its session modules over the real D1 (logged), and a chat. */
async function setup() {
  const { owner, stub } = await ownerOf();
  const { db, log } = loggedDb();
  const chat = await new ChatAccess(db, owner).create();
  return { owner, stub, db, log, chatId: chat.id };
}

const sessionWrites = (statements: string[]) => statements.filter((s) => /^\s*update\s+"chat_sessions"/i.test(s)).length;

describe('session lifecycle', () => {
  it('answers 410 gone to a heartbeat for an ended session, and keeps the reason it ended with', async () => {
    const { owner, stub, db, chatId } = await setup();
    const id = await runInDurableObject(stub, async (_i, state) => {
      const { registry, lifecycle } = sessionModules(state, db);
      const live = await seedSession(db, registry, owner, chatId);
      expect(await outcome(lifecycle.heartbeat(live.id))).toBe('ok');
      await lifecycle.endById(live.id, 'unload');
      expect(await outcome(lifecycle.heartbeat(live.id))).toBe('410 gone');
      expect(await outcome(lifecycle.heartbeat('never-opened'))).toBe('410 gone');
      // Ending again (a beacon and a DELETE both arrive) changes nothing.
      await lifecycle.end([live], 'logout', Date.now());
      return live.id;
    });
    expect((await sessionRows(id))[0]).toMatchObject({ is_active: 0, end_reason: 'unload' });
  });

  it('answers 410 gone to a heartbeat that comes after the TTL, and ends that session as expired', async () => {
    const { owner, stub, db, chatId } = await setup();
    const id = await runInDurableObject(stub, async (_i, state) => {
      const { config, registry, lifecycle } = sessionModules(state, db);
      const live = await seedSession(db, registry, owner, chatId);
      expect(await outcome(lifecycle.heartbeat(live.id, live.lastBeatAt + config.sessionTtlMs - 1))).toBe('ok');
      const lapsedAt = live.lastBeatAt + 2 * config.sessionTtlMs;
      expect(await outcome(lifecycle.heartbeat(live.id, lapsedAt))).toBe('410 gone');
      expect(registry.get(live.id)).toBeNull();
      return live.id;
    });
    expect((await sessionRows(id))[0]).toMatchObject({ is_active: 0, end_reason: 'expired' });
  });

  it('keeps heartbeats local and writes last_heartbeat_at to D1 only once every HEARTBEAT_PERSIST_S', async () => {
    const { owner, stub, db, log, chatId } = await setup();
    const opened = Date.now();
    const { id, every, writtenAt } = await runInDurableObject(stub, async (_i, state) => {
      const { config, registry, lifecycle } = sessionModules(state, db);
      const live = await seedSession(db, registry, owner, chatId, { at: opened });
      // A tab beating on time, always within the TTL: the first beat at or past each persist
      // interval writes D1, the others only the object's storage.
      const step = Math.min(config.sessionTtlMs, config.heartbeatPersistMs) / 4;
      const every = Math.ceil(config.heartbeatPersistMs / step) * step;
      const writtenAt: number[] = [];
      for (let elapsed = step; elapsed <= 2 * every; elapsed += step) {
        const before = sessionWrites(log.statements);
        await lifecycle.heartbeat(live.id, opened + elapsed);
        if (sessionWrites(log.statements) > before) writtenAt.push(elapsed);
        expect(registry.get(live.id)!.lastBeatAt).toBe(opened + elapsed);
      }
      return { id: live.id, every, writtenAt };
    });
    expect(writtenAt).toEqual([every, 2 * every]);
    expect((await sessionRows(id))[0]!.last_heartbeat_at).toBe(opened + 2 * every);
  });

  it('ends only the sessions of the login that logged out, in every chat, and no other device’s', async () => {
    const { owner, stub, db, chatId } = await setup();
    const otherChat = (await new ChatAccess(db, owner).create()).id;
    const ids = await runInDurableObject(stub, async (_i, state) => {
      const { registry, lifecycle } = sessionModules(state, db);
      const phoneA = await seedSession(db, registry, owner, chatId, { authSessionId: 'login-phone' });
      const phoneB = await seedSession(db, registry, owner, otherChat, { authSessionId: 'login-phone' });
      const laptop = await seedSession(db, registry, owner, chatId, { authSessionId: 'login-laptop' });
      const jwt = await seedSession(db, registry, owner, chatId, { authSessionId: null });
      expect(await lifecycle.endOfLogin('login-phone')).toBe(2);
      expect(registry.list().map((s) => s.id).sort()).toEqual([laptop.id, jwt.id].sort());
      return [phoneA.id, phoneB.id, laptop.id, jwt.id];
    });
    expect((await sessionRows(...ids)).map((r) => [r!.is_active, r!.end_reason])).toEqual([
      [0, 'logout'],
      [0, 'logout'],
      [1, null],
      [1, null],
    ]);
  });

  it('counts a send that names its session as that session’s heartbeat, but only on its own chat and while live', async () => {
    const { owner, stub, db, chatId } = await setup();
    await runInDurableObject(stub, async (_i, state) => {
      const { config, registry, lifecycle } = sessionModules(state, db);
      const live = await seedSession(db, registry, owner, chatId);
      const at = live.lastBeatAt + config.sessionTtlMs / 2;
      await lifecycle.beatIfLive(live.id, 'some-other-chat', at);
      expect(registry.get(live.id)!.lastBeatAt).toBe(live.lastBeatAt);
      await lifecycle.beatIfLive(live.id, chatId, at);
      expect(registry.get(live.id)!.lastBeatAt).toBe(at);
      // A session already past its TTL is not brought back by a send.
      const late = at + 2 * config.sessionTtlMs;
      await lifecycle.beatIfLive(live.id, chatId, late);
      expect(registry.get(live.id)!.lastBeatAt).toBe(at);
    });
  });

  it('expires sessions at their own deadlines when the alarm runs', async () => {
    const { owner, stub, db, chatId } = await setup();
    const start = Date.now();
    const [early, late] = await runInDurableObject(stub, async (_i, state) => {
      const { config, registry, lifecycle } = sessionModules(state, db);
      const early = await seedSession(db, registry, owner, chatId, { at: start });
      const late = await seedSession(db, registry, owner, chatId, { at: start + config.sessionTtlMs / 2 });
      await lifecycle.expireStale(start + config.sessionTtlMs);
      expect(registry.list().map((s) => s.id)).toEqual([late.id]);
      await lifecycle.expireStale(start + (3 * config.sessionTtlMs) / 2);
      expect(registry.count()).toBe(0);
      return [early.id, late.id];
    });
    expect((await sessionRows(early, late)).map((r) => r!.end_reason)).toEqual(['expired', 'expired']);
  });
});
