import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { shardOf } from './shard-helpers';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, d1Writes, executorState, executorStub, expectError, expectStatus, installWriteCounter, openSession, sessionRow, signUp } from './helpers';
import type { Caller } from './helpers';
import { streamTurn } from './turn-helpers';

const SESSION_TTL_MS = Number(env.SESSION_TTL_S) * 1000;

/** Makes a session's last heartbeat `ageMs` old, as if its tab had gone quiet that long ago. */
async function ageSession(caller: Caller, sessionId: string, ageMs: number) {
  await runInDurableObject(executorStub(caller), (_instance, state) => {
    state.storage.sql.exec('UPDATE live_sessions SET last_beat_at = ? WHERE id = ?', Date.now() - ageMs, sessionId);
  });
}

/** Freezes the clock at `at` for the Worker, the executor and the test alike. */
function setClock(at: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(at);
}

afterEach(() => vi.useRealTimers());

describe('the session alarm', () => {
  it('keeps one alarm at the oldest session’s expiry', async () => {
    const caller = await signUp();
    const { session } = await openSession(caller, { clientInstanceId: 'tab' });
    const state = await executorState(caller);
    expect(state.nextAlarmAt).toBeGreaterThan(Date.now());
    expect(state.nextAlarmAt).toBeLessThanOrEqual(session.lastHeartbeatAt + SESSION_TTL_MS);
  });

  it('expires a stale session and not a fresh one; a second run changes nothing more', async () => {
    const caller = await signUp();
    const stale = await openSession(caller, { clientInstanceId: 'stale-tab' });
    const fresh = await openSession(caller, { clientInstanceId: 'fresh-tab' });
    await ageSession(caller, stale.session.id, SESSION_TTL_MS + 1000);

    expect(await runDurableObjectAlarm(executorStub(caller))).toBe(true);
    expect(await sessionRow(stale.session.id)).toMatchObject({ is_active: 0, end_reason: 'expired' });
    expect(await sessionRow(fresh.session.id)).toMatchObject({ is_active: 1, end_reason: null });

    const shard = await shardOf(caller.userId);
    const snapshot = await shard.prepare('SELECT * FROM chat_sessions WHERE user_id = ? ORDER BY id').bind(caller.userId).all();
    await runDurableObjectAlarm(executorStub(caller));
    expect((await shard.prepare('SELECT * FROM chat_sessions WHERE user_id = ? ORDER BY id').bind(caller.userId).all()).results).toEqual(snapshot.results);

    await expectError(await call('POST', `/sessions/${stale.session.id}/heartbeat`, { caller }), 410, 'gone');
    await expectStatus(204, 'POST', `/sessions/${fresh.session.id}/heartbeat`, { caller });
    expect((await executorState(caller)).activeSessions).toBe(1);
  });

  it('expires two sessions with different heartbeats at two alarms, each at its last heartbeat plus the TTL', async () => {
    const caller = await signUp();
    const t0 = Date.now();
    setClock(t0);
    const early = await openSession(caller, { clientInstanceId: 'early' });
    const late = await openSession(caller, { clientInstanceId: 'late' });
    const lateBeatAt = t0 + SESSION_TTL_MS / 2;
    setClock(lateBeatAt);
    await expectStatus(204, 'POST', `/sessions/${late.session.id}/heartbeat`, { caller });
    expect((await executorState(caller)).nextAlarmAt).toBe(t0 + SESSION_TTL_MS);

    // An alarm a moment early expires nothing and keeps the deadline.
    setClock(t0 + SESSION_TTL_MS - 1);
    expect(await runDurableObjectAlarm(executorStub(caller))).toBe(true);
    expect(await sessionRow(early.session.id)).toMatchObject({ is_active: 1 });
    expect((await executorState(caller)).nextAlarmAt).toBe(t0 + SESSION_TTL_MS);

    setClock(t0 + SESSION_TTL_MS);
    expect(await runDurableObjectAlarm(executorStub(caller))).toBe(true);
    expect(await sessionRow(early.session.id)).toMatchObject({ is_active: 0, end_reason: 'expired', ended_at: t0 + SESSION_TTL_MS });
    expect(await sessionRow(late.session.id)).toMatchObject({ is_active: 1, end_reason: null });
    expect((await executorState(caller)).nextAlarmAt).toBe(lateBeatAt + SESSION_TTL_MS);

    setClock(lateBeatAt + SESSION_TTL_MS);
    expect(await runDurableObjectAlarm(executorStub(caller))).toBe(true);
    expect(await sessionRow(late.session.id)).toMatchObject({ is_active: 0, end_reason: 'expired', ended_at: lateBeatAt + SESSION_TTL_MS });
    expect((await executorState(caller)).activeSessions).toBe(0);
  });

  it('counts a send that names its session as that session’s heartbeat', async () => {
    const caller = await signUp();
    const t0 = Date.now();
    setClock(t0);
    const sender = await openSession(caller, { clientInstanceId: 'sender' });
    const bystander = await openSession(caller, { clientInstanceId: 'bystander' });
    const sentAt = t0 + SESSION_TTL_MS / 2;
    setClock(sentAt);
    await streamTurn(caller, sender.chat.id, 'a message in passing', { sessionId: sender.session.id });

    // Both tabs were last heard of on opening, a TTL ago; only the sender has sent since.
    setClock(t0 + SESSION_TTL_MS);
    await runDurableObjectAlarm(executorStub(caller));
    expect(await sessionRow(bystander.session.id)).toMatchObject({ is_active: 0, end_reason: 'expired' });
    expect(await sessionRow(sender.session.id)).toMatchObject({ is_active: 1, end_reason: null });
    expect((await executorState(caller)).nextAlarmAt).toBe(sentAt + SESSION_TTL_MS);
    await expectStatus(204, 'POST', `/sessions/${sender.session.id}/heartbeat`, { caller });
  });

  it('answers 410 to a heartbeat that arrives after the TTL even before the alarm ran', async () => {
    const caller = await signUp();
    const { session } = await openSession(caller, { clientInstanceId: 'tab' });
    await ageSession(caller, session.id, SESSION_TTL_MS + 1);
    await expectError(await call('POST', `/sessions/${session.id}/heartbeat`, { caller }), 410, 'gone');
    expect(await sessionRow(session.id)).toMatchObject({ is_active: 0, end_reason: 'expired' });
    // The tab then opens a new session on the same chat.
    const reopened = await openSession(caller, { clientInstanceId: 'tab' }, 201);
    expect(reopened.chat.id).toBe((await sessionRow(session.id))!.chat_id);
  });

  it('writes last_heartbeat_at to D1 once the persist interval has passed', async () => {
    const caller = await signUp();
    const { session } = await openSession(caller, { clientInstanceId: 'tab' });
    const persistMs = Number(env.HEARTBEAT_PERSIST_S) * 1000;
    await runInDurableObject(executorStub(caller), (_instance, state) => {
      state.storage.sql.exec('UPDATE live_sessions SET persisted_beat_at = ? WHERE id = ?', Date.now() - persistMs, session.id);
    });
    await installWriteCounter();
    await expectStatus(204, 'POST', `/sessions/${session.id}/heartbeat`, { caller });
    expect(await d1Writes('chat_sessions')).toBe(1);
    await expectStatus(204, 'POST', `/sessions/${session.id}/heartbeat`, { caller });
    expect(await d1Writes('chat_sessions')).toBe(1);
    const persisted = await runInDurableObject(
      executorStub(caller),
      (_instance, state) => state.storage.sql.exec<{ p: number }>('SELECT persisted_beat_at AS p FROM live_sessions WHERE id = ?', session.id).one().p,
    );
    expect(persisted).toBeGreaterThan(Date.now() - persistMs);
  });
});
