/**
 * SPEC §13: a bring-your-own JWT must carry an `exp` (a token without one would be valid
 * forever, and only its issuer could revoke it), the `authenticated` audience, and — when
 * AUTH_JWT_ISSUER is set — that issuer. Anything else is a 401 that creates no user.
 */
import { env } from 'cloudflare:workers';
import { sign } from 'hono/jwt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, expectError, expectStatus, signUp } from './helpers';

const SECRET = 'test-jwt-secret-with-enough-entropy-111111';
const ISSUER = 'https://auth.example/auth/v1';
const vars = env as unknown as Record<string, string | undefined>;
const nowS = () => Math.floor(Date.now() / 1000);
const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

async function tokenFor(claims: Record<string, unknown>) {
  return sign({ aud: 'authenticated', ...claims }, SECRET, 'HS256');
}

function asCaller(sub: string, token: string) {
  return { userId: sub, email: '', token, ip: '198.51.100.30' };
}

async function userRow(sub: string) {
  return env.DB.prepare('SELECT id FROM users WHERE id = ?').bind(sub).first();
}

beforeEach(() => {
  vars.AUTH_JWT_SECRET = SECRET;
});
afterEach(() => {
  delete vars.AUTH_JWT_SECRET;
  delete vars.AUTH_JWT_ISSUER;
});

describe('JWT claims', () => {
  it('refuses a token without exp, and one whose exp is not a number', async () => {
    for (const claims of [{}, { exp: String(nowS() + 600) }, { exp: null }]) {
      const sub = crypto.randomUUID();
      await expectError(await call('GET', '/auth/me', { caller: asCaller(sub, await tokenFor({ sub, ...claims })) }), 401, 'unauthorized');
      expect(await userRow(sub)).toBeNull();
    }
  });

  it('accepts the same token once it carries a future exp', async () => {
    const sub = crypto.randomUUID();
    await expectStatus(200, 'GET', '/auth/me', { caller: asCaller(sub, await tokenFor({ sub, exp: nowS() + 600 })) });
  });

  it('refuses a token with no audience', async () => {
    const sub = crypto.randomUUID();
    const token = await sign({ sub, exp: nowS() + 600 }, SECRET, 'HS256');
    await expectError(await call('GET', '/auth/me', { caller: asCaller(sub, token) }), 401, 'unauthorized');
  });

  it('with AUTH_JWT_ISSUER set, refuses a missing or different iss and accepts the configured one', async () => {
    vars.AUTH_JWT_ISSUER = ISSUER;
    const sub = crypto.randomUUID();
    for (const iss of [undefined, 'https://evil.example/auth/v1', `${ISSUER}/`]) {
      const token = await tokenFor({ sub, exp: nowS() + 600, ...(iss ? { iss } : {}) });
      await expectError(await call('GET', '/auth/me', { caller: asCaller(sub, token) }), 401, 'unauthorized');
    }
    expect(await userRow(sub)).toBeNull();
    await expectStatus(200, 'GET', '/auth/me', { caller: asCaller(sub, await tokenFor({ sub, exp: nowS() + 600, iss: ISSUER })) });
  });

  it('without AUTH_JWT_ISSUER, does not ask for an issuer', async () => {
    const sub = crypto.randomUUID();
    await expectStatus(200, 'GET', '/auth/me', { caller: asCaller(sub, await tokenFor({ sub, exp: nowS() + 600, iss: 'anyone' })) });
  });

  it('leaves password logins working as Bearer tokens while JWTs are accepted too', async () => {
    const caller = await signUp();
    const me = await expectStatus(200, 'GET', '/auth/me', { caller });
    expect(me.user.id).toBe(caller.userId);
  });

  it('refuses an unsigned (alg none) token and one signed with another algorithm', async () => {
    const sub = crypto.randomUUID();
    const claims = { sub, aud: 'authenticated', exp: nowS() + 600 };
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
    await expectError(await call('GET', '/auth/me', { headers: { Authorization: `Bearer ${unsigned}` } }), 401, 'unauthorized');
    const hs512 = await sign(claims, SECRET, 'HS512');
    await expectError(await call('GET', '/auth/me', { caller: asCaller(sub, hs512) }), 401, 'unauthorized');
    expect(await userRow(sub)).toBeNull();
  });
});
