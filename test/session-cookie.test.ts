/**
 * SPEC §13: the login cookie is `__Host-session` over HTTPS (`session` on localhost), and a
 * logout deletes the login first, then ends its sessions, and its answer only clears the
 * cookie — a login slid by that very request never sets it again.
 */
import { execWhere } from './shard-helpers';
import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { call, expectError, json, openSession, signUp, uniqueEmail } from './helpers';

const HTTPS_ORIGIN = 'https://clarity.example';
const PASSWORD = 'correct horse battery';

function httpsCall(method: string, path: string, init: { cookie?: string; body?: unknown; ip?: string } = {}) {
  const headers = new Headers({ Origin: HTTPS_ORIGIN, 'CF-Connecting-IP': init.ip ?? '198.51.100.20' });
  if (init.cookie) headers.set('Cookie', init.cookie);
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  return exports.default.fetch(
    new Request(`${HTTPS_ORIGIN}/api${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }),
  );
}

/** Slides on the next authenticated request: last seen over an hour ago. */
async function makeDueForSliding(userId: string) {
  await env.DB.prepare('UPDATE auth_sessions SET last_seen_at = ? WHERE user_id = ?')
    .bind(Date.now() - 2 * 3600_000, userId)
    .run();
}

const setCookies = (response: Response) => response.headers.getSetCookie();

afterEach(async () => {
  await execWhere('chat_sessions', 'DROP TRIGGER IF EXISTS fail_session_end');
});

describe('the login cookie', () => {
  it('is __Host-session over HTTPS: Secure, Path=/, no Domain, HttpOnly, SameSite=Lax — and works', async () => {
    const signup = await httpsCall('POST', '/auth/signup', { body: { email: uniqueEmail(), password: PASSWORD } });
    expect(signup.status).toBe(201);
    const [cookie, ...others] = setCookies(signup);
    expect(others).toEqual([]);
    expect(cookie).toMatch(/^__Host-session=ce1\./);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/Domain=/i);
    const token = /^__Host-session=([^;]+)/.exec(cookie!)![1]!;
    expect((await httpsCall('GET', '/auth/me', { cookie: `__Host-session=${token}` })).status).toBe(200);
  });

  it('over HTTPS, a plain `session` cookie (one a sibling subdomain could plant) is not a login', async () => {
    const { token } = await json(await httpsCall('POST', '/auth/signup', { body: { email: uniqueEmail(), password: PASSWORD }, ip: '198.51.100.21' }));
    await expectError(await httpsCall('GET', '/auth/me', { cookie: `session=${token}` }), 401, 'unauthorized');
  });

  it('is plain `session` without Secure on localhost, where there is no HTTPS', async () => {
    const response = await call('POST', '/auth/signup', {
      body: { email: uniqueEmail(), password: PASSWORD },
      headers: { 'CF-Connecting-IP': '198.51.100.22' },
    });
    const [cookie] = setCookies(response);
    expect(cookie).toMatch(/^session=ce1\./);
    expect(cookie).not.toMatch(/Secure/);
  });
});

describe('logout', () => {
  it('answers only cookie clearings, even when its own request slid the login', async () => {
    const caller = await signUp();
    await makeDueForSliding(caller.userId);
    // The same slide on any other request does set a fresh cookie: the case is real.
    const slid = await call('GET', '/auth/me', { caller, cookie: true });
    expect(setCookies(slid)).toHaveLength(1);
    await makeDueForSliding(caller.userId);

    const logout = await call('POST', '/auth/logout', { caller, cookie: true });
    expect(logout.status).toBe(204);
    const cookies = setCookies(logout);
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/^session=;.*Max-Age=0/);
    await expectError(await call('GET', '/auth/me', { caller, cookie: true }), 401, 'unauthorized');
  });

  it('over HTTPS clears __Host-session, and the older `session` name too', async () => {
    const signup = await httpsCall('POST', '/auth/signup', { body: { email: uniqueEmail(), password: PASSWORD }, ip: '198.51.100.23' });
    const { user } = await json(signup.clone());
    const token = /^__Host-session=([^;]+)/.exec(setCookies(signup)[0]!)![1]!;
    await makeDueForSliding(user.id);
    const logout = await httpsCall('POST', '/auth/logout', { cookie: `__Host-session=${token}` });
    expect(logout.status).toBe(204);
    const cookies = setCookies(logout);
    expect(cookies.some((c) => /^__Host-session=;.*Max-Age=0.*Secure/.test(c))).toBe(true);
    expect(cookies.some((c) => /^session=;.*Max-Age=0/.test(c))).toBe(true);
    expect(cookies.every((c) => /=;/.test(c))).toBe(true);
  });

  it('deletes the login before ending its sessions: an executor failure in between leaves no valid login', async () => {
    const caller = await signUp();
    await openSession(caller);
    // Ending the login's session is the executor's D1 write; make it fail.
    await execWhere('chat_sessions', "CREATE TRIGGER fail_session_end BEFORE UPDATE ON chat_sessions BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    const logout = await call('POST', '/auth/logout', { caller, cookie: true });
    expect(logout.status).toBeGreaterThanOrEqual(500);
    for (const cookie of setCookies(logout)) expect(cookie).toMatch(/^session=;.*Max-Age=0/);
    expect(setCookies(logout)).not.toHaveLength(0);
    const row = await env.DB.prepare('SELECT id FROM auth_sessions WHERE user_id = ?').bind(caller.userId).first();
    expect(row).toBeNull();
    await expectError(await call('GET', '/auth/me', { caller }), 401, 'unauthorized');
  });
});
