/** SPEC §13: a login's end ends its reach — its live sockets close, its sessions end, its pings count for nothing. */
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { executorStub, expectStatus, openSession, ORIGIN, sessionRow, signUp } from './helpers';
import type { Caller } from './helpers';
import { signLoginToken } from '../src/worker/auth/login-token';
import { eventually } from './turn-helpers';

afterEach(() => vi.useRealTimers());

async function liveSocket(caller: Caller, chatId: string, sessionId: string) {
  const response = await exports.default.fetch(
    new Request(`${ORIGIN}/api/chats/${chatId}/live?sessionId=${sessionId}`, { headers: { Upgrade: 'websocket', Authorization: `Bearer ${caller.token}` } }),
  );
  if (response.status !== 101) return { status: response.status, closed: Promise.resolve(null) };
  const socket = response.webSocket!;
  socket.accept();
  const closed = new Promise<number>((resolve) => socket.addEventListener('close', (e) => resolve(e.code)));
  return { status: 101, socket, closed };
}

async function secondLogin(caller: Caller): Promise<Caller> {
  const body = await expectStatus<{ token: string }>(200, 'POST', '/auth/login', {
    body: { email: caller.email, password: 'correct horse battery' },
    headers: { 'CF-Connecting-IP': caller.ip },
  });
  return { ...caller, token: body.token };
}

describe('the end of a login', () => {
  it('closes the sockets opened with it within 2 s of logout and ends their sessions, leaving other logins’ alone', async () => {
    const caller = await signUp();
    const laptop = await secondLogin(caller);
    const mine = await openSession(laptop, { clientInstanceId: 'laptop-tab' });
    const other = await openSession(caller, { chatId: mine.chat.id, clientInstanceId: 'phone-tab' });
    const laptopSocket = await liveSocket(laptop, mine.chat.id, mine.session.id);
    const phoneSocket = await liveSocket(caller, mine.chat.id, other.session.id);
    expect([laptopSocket.status, phoneSocket.status]).toEqual([101, 101]);

    const loggedOutAt = Date.now();
    await expectStatus(204, 'POST', '/auth/logout', { caller: laptop });
    expect(await laptopSocket.closed).toBeGreaterThanOrEqual(4000);
    expect(Date.now() - loggedOutAt).toBeLessThan(2000);
    expect(await sessionRow(mine.session.id)).toMatchObject({ is_active: 0, end_reason: 'logout' });
    expect(await sessionRow(other.session.id)).toMatchObject({ is_active: 1 });
    // The other login's socket is still open: its session still beats.
    await expectStatus(204, 'POST', `/sessions/${other.session.id}/heartbeat`, { caller });
  });

  it('lets a socket join only a session of its own login', async () => {
    const caller = await signUp();
    const laptop = await secondLogin(caller);
    const laptopTab = await openSession(laptop, { clientInstanceId: 'laptop-tab' });
    const stolen = await liveSocket(caller, laptopTab.chat.id, laptopTab.session.id);
    expect(stolen.status).toBe(410);
    const own = await liveSocket(laptop, laptopTab.chat.id, laptopTab.session.id);
    expect(own.status).toBe(101);
  });

  it('closes a socket when its login expires, ends its session, and its pings no longer keep anything alive', async () => {
    const caller = await signUp();
    // A login that expires in a minute: well inside SESSION_TTL_S, so only the login can end it.
    const sid = crypto.randomUUID();
    const exp = Date.now() + 60_000;
    await env.DB.prepare('INSERT INTO auth_sessions (id, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)')
      .bind(sid, caller.userId, Date.now(), exp, Date.now())
      .run();
    const shortLived = { ...caller, token: await signLoginToken({ sid, uid: caller.userId, email: caller.email, exp }, env.AUTH_TOKEN_SECRET!) };
    const tab = await openSession(shortLived, { clientInstanceId: 'tab' });
    const live = await liveSocket(shortLived, tab.chat.id, tab.session.id);
    expect(live.status).toBe(101);
    const state = await expectStatus<{ nextAlarmAt: number }>(200, 'GET', '/agents/assistant/executor', { caller });
    expect(state.nextAlarmAt).toBeLessThanOrEqual(exp);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(exp + 1000);
    await runDurableObjectAlarm(executorStub(caller));
    vi.useRealTimers();
    expect(await eventually(() => live.closed)).toBe(4001);
    expect(await sessionRow(tab.session.id)).toMatchObject({ is_active: 0, end_reason: 'expired' });
  });
});
