import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { AlarmScheduler, RECOVERY_RETRY_MS } from '../../src/objects/alarm-scheduler';
import type { ActivitySource } from '../../src/objects/alarm-scheduler';
import { readConfig } from '../../src/shared/config';
import { ownerOf } from './harness';

const config = readConfig(env);
const limits = { sessionTtlMs: config.sessionTtlMs, idleTtlMs: config.executorIdleTtlMs };
const MINUTE = 60_000;

/** What the executor would report: sessions, a warm executor, generations, unwritten work. */
function activity(over: Partial<{ oldestBeatAt: number | null; cached: boolean; inFlight: number; pending: boolean }> = {}): ActivitySource {
  const a = { oldestBeatAt: null, cached: false, inFlight: 0, pending: false, ...over };
  return { oldestBeatAt: () => a.oldestBeatAt, cached: () => a.cached, inFlight: () => a.inFlight, hasPendingWrites: () => a.pending, loginExpiresAt: () => null };
}

/** Runs `body` with a scheduler over a fresh executor object's real storage and alarm. */
async function withStorage<R>(body: (storage: DurableObjectStorage) => Promise<R>): Promise<R> {
  const { stub } = await ownerOf();
  return runInDurableObject(stub, (_instance, state) => body(state.storage));
}

describe('the alarm scheduler', () => {
  it('sets the alarm at the oldest session’s expiry', async () => {
    const beat = Date.now() - 1000;
    const alarm = await withStorage(async (storage) => {
      await new AlarmScheduler(storage, activity({ oldestBeatAt: beat }), limits).reschedule();
      return storage.getAlarm();
    });
    expect(alarm).toBe(beat + config.sessionTtlMs);
  });

  it('keeps an earlier alarm, and moves a later one forward', async () => {
    const beat = Date.now();
    const [kept, moved] = await withStorage(async (storage) => {
      const scheduler = new AlarmScheduler(storage, activity({ oldestBeatAt: beat }), limits);
      const earlier = beat + config.sessionTtlMs - 10_000;
      await storage.setAlarm(earlier);
      await scheduler.reschedule();
      const kept = await storage.getAlarm();
      await storage.setAlarm(beat + config.sessionTtlMs + 10 * MINUTE);
      await scheduler.reschedule();
      return [kept === earlier, await storage.getAlarm()];
    });
    expect(kept).toBe(true);
    expect(moved).toBe(beat + config.sessionTtlMs);
  });

  it('deletes the alarm when nothing is due: no session, nothing cached, nothing in flight or unwritten', async () => {
    const alarm = await withStorage(async (storage) => {
      await storage.setAlarm(Date.now() + 10 * MINUTE);
      await new AlarmScheduler(storage, activity(), limits).reschedule();
      return storage.getAlarm();
    });
    expect(alarm).toBeNull();
  });

  it('ensure() sets a missing alarm and leaves one that is already set, even a later one', async () => {
    const beat = Date.now();
    const [afterMissing, afterSet] = await withStorage(async (storage) => {
      const scheduler = new AlarmScheduler(storage, activity({ oldestBeatAt: beat }), limits);
      await scheduler.ensure();
      const afterMissing = await storage.getAlarm();
      const later = beat + config.sessionTtlMs + 10 * MINUTE;
      await storage.setAlarm(later);
      await scheduler.ensure();
      return [afterMissing, (await storage.getAlarm()) === later];
    });
    expect(afterMissing).toBe(beat + config.sessionTtlMs);
    expect(afterSet).toBe(true);
  });

  it('plans eviction: an idle warm executor is due one idle TTL after its last activity, and not before', async () => {
    const touched = Date.now();
    const [alarm, idleBefore, idleAfter] = await withStorage(async (storage) => {
      const scheduler = new AlarmScheduler(storage, activity({ cached: true }), limits);
      scheduler.touch(touched);
      await scheduler.reschedule();
      return [await storage.getAlarm(), scheduler.idle(touched + config.executorIdleTtlMs - 1), scheduler.idle(touched + config.executorIdleTtlMs)];
    });
    expect(alarm).toBe(touched + config.executorIdleTtlMs);
    expect([idleBefore, idleAfter]).toEqual([false, true]);
  });

  it('never calls an executor idle while a session is live or a reply streams', async () => {
    const later = Date.now() + 10 * config.executorIdleTtlMs;
    const [withSession, streaming] = await withStorage(async (storage) => {
      const withSession = new AlarmScheduler(storage, activity({ cached: true, oldestBeatAt: later - 1000 }), limits);
      const streaming = new AlarmScheduler(storage, activity({ cached: true, inFlight: 1 }), limits);
      return [withSession.idle(later), streaming.idle(later)];
    });
    expect([withSession, streaming]).toEqual([false, false]);
  });

  it('comes back within RECOVERY_RETRY_MS for writes D1 has not taken, and stands by while a reply streams', async () => {
    const before = Date.now();
    const [pending, streaming, retry] = await withStorage(async (storage) => {
      await new AlarmScheduler(storage, activity({ pending: true, oldestBeatAt: before }), limits).reschedule();
      const pending = await storage.getAlarm();
      await storage.deleteAlarm();
      await new AlarmScheduler(storage, activity({ inFlight: 1 }), limits).reschedule();
      const streaming = await storage.getAlarm();
      await storage.setAlarm(Date.now() + 10 * MINUTE);
      await new AlarmScheduler(storage, activity(), limits).retrySoon();
      return [pending, streaming, await storage.getAlarm()];
    });
    const after = Date.now();
    expect(pending).toBeGreaterThanOrEqual(before + RECOVERY_RETRY_MS);
    expect(pending).toBeLessThanOrEqual(after + RECOVERY_RETRY_MS);
    expect(streaming).toBeGreaterThan(after + RECOVERY_RETRY_MS); // a standby, not a retry
    expect(retry).toBeLessThanOrEqual(after + RECOVERY_RETRY_MS);
  });
});
