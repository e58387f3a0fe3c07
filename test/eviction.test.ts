import { evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { executorState, executorStub, expectStatus, openSession, sessionRow, signUp } from './helpers';

const IDLE_TTL_MS = Number(env.EXECUTOR_IDLE_TTL_S) * 1000;

afterEach(() => {
  vi.useRealTimers();
});

describe('the executor cache', () => {
  it('counts a miss when it builds and a hit when it is warm', async () => {
    const caller = await signUp();
    await openSession(caller, { clientInstanceId: 'tab-1' });
    expect(await executorState(caller)).toMatchObject({ cached: true, misses: 1, hits: 0, evictions: 0, activeSessions: 1 });
    await openSession(caller, { clientInstanceId: 'tab-2' });
    expect(await executorState(caller)).toMatchObject({ cached: true, misses: 1, hits: 1 });
  });

  it('is evicted by the alarm after the idle TTL with no active session, then rebuilt on the next open', async () => {
    const caller = await signUp();
    const { session } = await openSession(caller, { clientInstanceId: 'tab' });
    await expectStatus(204, 'POST', `/sessions/${session.id}/end`, { caller });
    const idle = await executorState(caller);
    expect(idle).toMatchObject({ cached: true, activeSessions: 0 });
    // An alarm stands no later than the eviction deadline (an earlier one just re-plans).
    expect(idle.nextAlarmAt).not.toBeNull();
    expect(idle.nextAlarmAt).toBeLessThanOrEqual(Date.now() + IDLE_TTL_MS);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + IDLE_TTL_MS + 1000);
    expect(await runDurableObjectAlarm(executorStub(caller))).toBe(true);
    vi.useRealTimers();

    const evicted = await executorState(caller);
    expect(evicted).toMatchObject({ cached: false, builtAt: null, evictions: 1, misses: 1, nextAlarmAt: null });

    await openSession(caller, { clientInstanceId: 'tab' });
    expect(await executorState(caller)).toMatchObject({ cached: true, misses: 2, evictions: 1 });
  });

  it('does not evict while a session is active', async () => {
    const caller = await signUp();
    await openSession(caller, { clientInstanceId: 'tab' });
    await runDurableObjectAlarm(executorStub(caller));
    expect(await executorState(caller)).toMatchObject({ cached: true, evictions: 0, activeSessions: 1 });
  });

  it('loses no session and no chat when the runtime evicts the object mid-session', async () => {
    const caller = await signUp();
    const opened = await openSession(caller, { clientInstanceId: 'tab' });
    const before = await executorState(caller);
    await evictDurableObject(executorStub(caller));

    const after = await executorState(caller);
    expect(after).toMatchObject({ cached: false, activeSessions: 1, misses: before.misses, nextAlarmAt: before.nextAlarmAt });
    await expectStatus(204, 'POST', `/sessions/${opened.session.id}/heartbeat`, { caller });
    const again = await openSession(caller, { clientInstanceId: 'tab' }, 200);
    expect(again.session.id).toBe(opened.session.id);
    expect(again.chat.id).toBe(opened.chat.id);
    expect(await sessionRow(opened.session.id)).toMatchObject({ is_active: 1 });
    expect(await executorState(caller)).toMatchObject({ cached: true, misses: before.misses + 1 });
  });
});
