import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, d1Writes, executorState, executorStub, expectError, expectStatus, installWriteCounter, openSession, sessionRow, signUp } from './helpers';
import type { Caller } from './helpers';

const SESSION_TTL_MS = Number(env.SESSION_TTL_S) * 1000;

/** Makes a session's last heartbeat `ageMs` old, as if its tab had gone quiet that long ago. */
async function ageSession(caller: Caller, sessionId: string, ageMs: number) {
  await runInDurableObject(executorStub(caller), (_instance, state) => {
    state.storage.sql.exec('UPDATE live_sessions SET last_beat_at = ? WHERE id = ?', Date.now() - ageMs, sessionId);
  });
}

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

    const snapshot = await env.DB.prepare('SELECT * FROM chat_sessions WHERE user_id = ? ORDER BY id').bind(caller.userId).all();
    await runDurableObjectAlarm(executorStub(caller));
    expect((await env.DB.prepare('SELECT * FROM chat_sessions WHERE user_id = ? ORDER BY id').bind(caller.userId).all()).results).toEqual(snapshot.results);

    await expectError(await call('POST', `/sessions/${stale.session.id}/heartbeat`, { caller }), 410, 'gone');
    await expectStatus(204, 'POST', `/sessions/${fresh.session.id}/heartbeat`, { caller });
    expect((await executorState(caller)).activeSessions).toBe(1);
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
