import { evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { executorState, executorStub, expectStatus, openSession, sessionRow, signUp } from './helpers';
import { streamTurn } from './turn-helpers';

const IDLE_TTL_MS = Number(env.EXECUTOR_IDLE_TTL_S) * 1000;
const SESSION_TTL_MS = Number(env.SESSION_TTL_S) * 1000;

afterEach(() => {
  vi.useRealTimers();
});

function advanceClock(ms: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + ms);
}

describe('the executor cache', () => {
  it('counts turns: a miss when a turn has to build the executor, a hit when it is warm; opens count neither', async () => {
    const caller = await signUp();
    const { chat } = await openSession(caller, { clientInstanceId: 'tab-1' });
    await openSession(caller, { clientInstanceId: 'tab-2' });
    expect(await executorState(caller)).toMatchObject({ cached: true, misses: 0, hits: 0 });

    await evictDurableObject(executorStub(caller));
    await streamTurn(caller, chat.id, 'first turn, cold');
    expect(await executorState(caller)).toMatchObject({ cached: true, misses: 1, hits: 0 });
    await streamTurn(caller, chat.id, 'second turn, warm');
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

    advanceClock(IDLE_TTL_MS + 1000);
    expect(await runDurableObjectAlarm(executorStub(caller))).toBe(true);
    vi.useRealTimers();

    expect(await executorState(caller)).toMatchObject({ cached: false, builtAt: null, evictions: 1, nextAlarmAt: null });
    await openSession(caller, { clientInstanceId: 'tab' });
    expect(await executorState(caller)).toMatchObject({ cached: true, evictions: 1 });
  });

  it('does not evict while a session is active, however long past the idle TTL', async () => {
    const caller = await signUp();
    const { session } = await openSession(caller, { clientInstanceId: 'tab' });
    // The tab stays open: it beats within every session TTL while the idle TTL passes twice.
    const step = SESSION_TTL_MS / 2;
    for (let elapsed = 0; elapsed <= 2 * IDLE_TTL_MS; elapsed += step) {
      advanceClock(step);
      await expectStatus(204, 'POST', `/sessions/${session.id}/heartbeat`, { caller });
      await runDurableObjectAlarm(executorStub(caller));
    }
    expect(await executorState(caller)).toMatchObject({ cached: true, evictions: 0, activeSessions: 1 });
    expect(await sessionRow(session.id)).toMatchObject({ is_active: 1 });
  });

  it('loses no session and no chat when the runtime evicts the object mid-session', async () => {
    const caller = await signUp();
    const opened = await openSession(caller, { clientInstanceId: 'tab' });
    const before = await executorState(caller);
    await evictDurableObject(executorStub(caller));

    const after = await executorState(caller);
    expect(after).toMatchObject({ cached: false, activeSessions: 1, nextAlarmAt: before.nextAlarmAt });
    await expectStatus(204, 'POST', `/sessions/${opened.session.id}/heartbeat`, { caller });
    const again = await openSession(caller, { clientInstanceId: 'tab' }, 200);
    expect(again.session.id).toBe(opened.session.id);
    expect(again.chat.id).toBe(opened.chat.id);
    expect(await sessionRow(opened.session.id)).toMatchObject({ is_active: 1 });
    expect(await executorState(caller)).toMatchObject({ cached: true });
  });

  it('knows whose it is in an alarm that wakes it after an eviction, and expires that user’s session', async () => {
    const caller = await signUp();
    const { session } = await openSession(caller, { clientInstanceId: 'tab' });
    await evictDurableObject(executorStub(caller));

    advanceClock(SESSION_TTL_MS + 1000);
    expect(await runDurableObjectAlarm(executorStub(caller))).toBe(true);
    vi.useRealTimers();
    expect(await sessionRow(session.id)).toMatchObject({ is_active: 0, end_reason: 'expired' });
    // Built from its own name after the alarm, it serves its owner's chat and no one else's.
    const stranger = await signUp();
    await expectStatus(404, 'GET', `/chats/${(await openSession(caller)).chat.id}/messages`, { caller: stranger });
  });
});
