import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { rowsOnShards, shardOf } from '../shard-helpers';
import { createDb } from '../../src/db/client';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client';
import { AlarmScheduler, RECOVERY_RETRY_MS } from '../../src/objects/alarm-scheduler';
import { ChatAccess } from '../../src/objects/chat-access';
import { ChatLedger } from '../../src/objects/chat-ledger';
import { CrashReplay } from '../../src/objects/crash-replay';
import { TurnClaims } from '../../src/objects/turn-claims';
import { CheckpointStore } from '../../src/objects/turn/checkpoints';
import type { Checkpoint } from '../../src/objects/turn/checkpoints';
import type { Owner } from '../../src/shared/owner';
import { flakyDb, loggedDb, ownerOf } from './harness';

/** A reply's checkpoint as a generation leaves it between two flushes. */
function checkpoint(chatId: string, content = 'The first half of a reply that never'): Checkpoint {
  const at = Date.now();
  return { messageId: crypto.randomUUID(), chatId, seq: 2, parentSeq: 1, content, toolCalls: [], model: 'mock-model', startedAt: at - 500, updatedAt: at };
}

/** Crash replay wired as the executor wires it, over the object's real storage. */
function replayModules(state: DurableObjectState, db: Db) {
  const claims = new TurnClaims();
  const alarm = new AlarmScheduler(
    state.storage,
    { oldestBeatAt: () => null, cached: () => false, inFlight: () => claims.size, hasPendingWrites: () => false, loginExpiresAt: () => null },
    { sessionTtlMs: 60_000, idleTtlMs: 60_000 },
  );
  // Each needs the other, as in the executor: the ledger defers through the replay.
  const replay: CrashReplay = new CrashReplay(() => ledger, claims, () => alarm.retrySoon());
  const ledger: ChatLedger = new ChatLedger(state.storage.sql, db, () => null, (error) => replay.defer(error));
  const pending = () => ({
    checkpoints: ledger.checkpoints.count(),
    outbox: state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM outbox').one().n,
  });
  return { claims, ledger, replay, pending };
}

const repliesOf = (chatId: string) =>
  rowsOnShards<{ id: string; seq: number; role: string; status: string; content: string }>(
    'SELECT id, seq, role, status, content FROM chat_messages WHERE chat_id = ? ORDER BY seq',
    chatId,
  );

async function chatOf(owner: Owner): Promise<string> {
  return (await new ChatAccess(loggedDb().db, owner).create()).id;
}

describe('crash replay', () => {
  it('writes an orphaned checkpoint to D1 as an interrupted message, exactly once however often it runs', async () => {
    const { owner, stub } = await ownerOf();
    const chatId = await chatOf(owner);
    const orphan = checkpoint(chatId);
    const left = await runInDurableObject(stub, async (_i, state) => {
      const { ledger, replay, pending } = replayModules(state, loggedDb().db);
      ledger.checkpoints.save(orphan);
      await replay.replay();
      await replay.replay();
      return pending();
    });
    expect(await repliesOf(chatId)).toEqual([{ id: orphan.messageId, seq: 2, role: 'assistant', status: 'interrupted', content: orphan.content }]);
    expect(left).toEqual({ checkpoints: 0, outbox: 0 });
  });

  it('leaves alone the checkpoint of a reply that is still streaming, and writes it once its generation is gone', async () => {
    const { owner, stub } = await ownerOf();
    const chatId = await chatOf(owner);
    const live = checkpoint(chatId);
    const [whileStreaming, afterwards] = await runInDurableObject(stub, async (_i, state) => {
      const { claims, ledger, replay } = replayModules(state, loggedDb().db);
      ledger.checkpoints.save(live);
      const claim = claims.claim(chatId);
      claim.active.progress.messageId = live.messageId;
      await replay.replay();
      const whileStreaming = { checkpoints: ledger.checkpoints.count(), rows: (await repliesOf(chatId)).length };
      claim.release(); // the generation died without finishing its reply
      await replay.replay();
      return [whileStreaming, { checkpoints: ledger.checkpoints.count(), rows: (await repliesOf(chatId)).length }];
    });
    expect(whileStreaming).toEqual({ checkpoints: 1, rows: 0 });
    expect(afterwards).toEqual({ checkpoints: 0, rows: 1 });
  });

  it('defers to an alarm within RECOVERY_RETRY_MS when D1 fails, keeping the work locally, and lands it once D1 is back', async () => {
    const { owner, stub } = await ownerOf();
    const chatId = await chatOf(owner);
    const orphan = checkpoint(chatId);
    const { db, outage } = flakyDb();
    const before = Date.now();
    const during = await runInDurableObject(stub, async (_i, state) => {
      const { ledger, replay, pending } = replayModules(state, db);
      ledger.checkpoints.save(orphan);
      await state.storage.deleteAlarm();
      outage.down = true;
      await replay.replay(); // must not throw: the request that woke the object still gets served
      await new Promise((resolve) => setTimeout(resolve, 0)); // the deferral sets the alarm without being awaited
      return { alarm: await state.storage.getAlarm(), ...pending() };
    });
    expect(during.alarm).not.toBeNull();
    expect(during.alarm!).toBeGreaterThanOrEqual(before + RECOVERY_RETRY_MS);
    expect(during.alarm!).toBeLessThanOrEqual(Date.now() + RECOVERY_RETRY_MS);
    // The checkpoint became an interrupted message in the object's outbox: nothing is lost.
    expect(during).toMatchObject({ checkpoints: 0 });
    expect(during.outbox).toBeGreaterThan(0);
    expect(await repliesOf(chatId)).toEqual([]);

    outage.down = false;
    await runInDurableObject(stub, async (_i, state) => {
      const { replay, pending } = replayModules(state, db);
      await replay.replay();
      expect(pending()).toEqual({ checkpoints: 0, outbox: 0 });
      await state.storage.deleteAlarm();
    });
    expect((await repliesOf(chatId)).map((m) => m.status)).toEqual(['interrupted']);
  });

  it('runs as the evicted object wakes, before the first request is answered', async () => {
    const { owner, stub } = await ownerOf();
    // The real executor writes to its owner's shard: the chat must be there.
    const chatId = (await new ChatAccess(createDb(await shardOf(owner.userId)), owner).create()).id;
    const orphan = checkpoint(chatId);
    await runInDurableObject(stub, (_i, state) => new CheckpointStore(state.storage.sql).save(orphan));
    await evictDurableObject(stub);
    const woke = await stub.getState();
    expect(woke.ok).toBe(true);
    expect((await repliesOf(chatId)).map((m) => [m.id, m.status])).toEqual([[orphan.messageId, 'interrupted']]);
    await evictDurableObject(stub);
    await stub.getState();
    expect(await repliesOf(chatId)).toHaveLength(1);
  });
});
