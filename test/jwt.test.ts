import { env } from 'cloudflare:workers';
import { sign } from 'hono/jwt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, expectError, expectStatus } from './helpers';

const SECRET = 'test-jwt-secret-with-enough-entropy-000000';
const now = () => Math.floor(Date.now() / 1000);

async function jwtCaller(claims: Record<string, unknown>, secret = SECRET) {
  const token = await sign({ aud: 'authenticated', exp: now() + 600, ...claims }, secret, 'HS256');
  return { userId: String(claims.sub), email: '', token, ip: '198.51.100.7' };
}

describe('bring-your-own identity (AUTH_JWT_SECRET)', () => {
  beforeEach(() => {
    (env as { AUTH_JWT_SECRET?: string }).AUTH_JWT_SECRET = SECRET;
  });
  afterEach(() => {
    delete (env as { AUTH_JWT_SECRET?: string }).AUTH_JWT_SECRET;
  });

  it('accepts a valid token and creates the user on first sight', async () => {
    const sub = crypto.randomUUID();
    const caller = await jwtCaller({ sub, email: `JWT-${sub}@Example.com` });
    const me = await expectStatus(200, 'GET', '/auth/me', { caller });
    expect(me.user).toEqual({ id: sub, email: `jwt-${sub}@example.com` });
    const { task } = await expectStatus(201, 'POST', '/tasks', { caller, body: { title: 'from a JWT' } });
    expect((await expectStatus(200, 'GET', `/tasks/${task.id}`, { caller })).task.title).toBe('from a JWT');
  });

  it('refuses a bad signature, a wrong audience and an expired token', async () => {
    const sub = crypto.randomUUID();
    await expectError(await call('GET', '/auth/me', { caller: await jwtCaller({ sub }, 'some-other-secret-0000000000000000000') }), 401, 'unauthorized');
    await expectError(await call('GET', '/auth/me', { caller: await jwtCaller({ sub, aud: 'anon' }) }), 401, 'unauthorized');
    await expectError(await call('GET', '/auth/me', { caller: await jwtCaller({ sub, exp: now() - 60 }) }), 401, 'unauthorized');
    const row = await env.DB.prepare('SELECT id FROM users WHERE id = ?').bind(sub).first();
    expect(row).toBeNull();
  });
});
