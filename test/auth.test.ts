import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectError, expectStatus, json, signUp, uniqueEmail } from './helpers';

describe('accounts', () => {
  it('signs up, reads me, logs out, and refuses the logged-out token', async () => {
    const caller = await signUp();
    const me = await expectStatus(200, 'GET', '/auth/me', { caller });
    expect(me.user).toEqual({ id: caller.userId, email: caller.email });

    await expectStatus(204, 'POST', '/auth/logout', { caller });
    await expectError(await call('GET', '/auth/me', { caller }), 401, 'unauthorized');
  });

  it('logs in with the right password and sets an HttpOnly session cookie', async () => {
    const caller = await signUp();
    const response = await call('POST', '/auth/login', {
      body: { email: caller.email.toUpperCase(), password: 'correct horse battery' },
      headers: { 'CF-Connecting-IP': caller.ip },
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.get('Set-Cookie') ?? '';
    expect(cookie).toMatch(/^session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const body = await json(response);
    expect(body.user.email).toBe(caller.email);
    const viaCookie = await expectStatus(200, 'GET', '/auth/me', { caller: { ...caller, token: body.token }, cookie: true });
    expect(viaCookie.user.id).toBe(caller.userId);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const caller = await signUp();
    const wrongPassword = await expectError(
      await call('POST', '/auth/login', { body: { email: caller.email, password: 'not the password' }, headers: { 'CF-Connecting-IP': caller.ip } }),
      401,
      'unauthorized',
    );
    const unknownEmail = await expectError(
      await call('POST', '/auth/login', { body: { email: uniqueEmail(), password: 'not the password' }, headers: { 'CF-Connecting-IP': caller.ip } }),
      401,
      'unauthorized',
    );
    expect(wrongPassword).toBe(unknownEmail);
  });

  it('refuses a duplicate email with 409, whatever its case', async () => {
    const caller = await signUp();
    await expectError(await call('POST', '/auth/signup', { body: { email: caller.email.toUpperCase(), password: 'another password' } }), 409, 'conflict');
  });

  it('stores only a salted PBKDF2 hash, and no usable token', async () => {
    const caller = await signUp();
    const user = await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?').bind(caller.userId).first<{ password_hash: string }>();
    expect(user?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    const sessions = await env.DB.prepare('SELECT id FROM auth_sessions WHERE user_id = ?').bind(caller.userId).all<{ id: string }>();
    expect(sessions.results).toHaveLength(1);
    // The row holds the login's id; the token is that id signed, which only the secret makes.
    expect(caller.token).toContain('.');
    expect(sessions.results[0]!.id).not.toBe(caller.token);
    await expectStatus(401, 'GET', '/auth/me', { caller: { ...caller, token: sessions.results[0]!.id } });
  });

  it('slides the login’s expiry forward on use, and the cookie’s with it', async () => {
    const caller = await signUp();
    const twoHoursAgo = Date.now() - 2 * 3600_000;
    await env.DB.prepare('UPDATE auth_sessions SET last_seen_at = ?, expires_at = ? WHERE user_id = ?')
      .bind(twoHoursAgo, Date.now() + 60_000, caller.userId)
      .run();
    const response = await call('GET', '/auth/me', { caller, cookie: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('Set-Cookie')).toMatch(/^session=.*Max-Age=2592000/);
    const row = await env.DB.prepare('SELECT expires_at FROM auth_sessions WHERE user_id = ?').bind(caller.userId).first<{ expires_at: number }>();
    expect(row!.expires_at).toBeGreaterThan(Date.now() + 29 * 24 * 3600_000);
  });

  it('refuses an expired login', async () => {
    const caller = await signUp();
    await env.DB.prepare('UPDATE auth_sessions SET expires_at = ? WHERE user_id = ?')
      .bind(Date.now() - 1, caller.userId)
      .run();
    await expectError(await call('GET', '/auth/me', { caller }), 401, 'unauthorized');
  });

  it('refuses requests without credentials', async () => {
    await expectError(await call('GET', '/tasks'), 401, 'unauthorized');
    await expectError(await call('GET', '/tasks', { headers: { Authorization: 'Bearer nonsense' } }), 401, 'unauthorized');
  });

  it('serves health without auth', async () => {
    const health = await expectStatus(200, 'GET', '/health');
    expect(health.ok).toBe(true);
    expect(typeof health.version).toBe('string');
  });
});
