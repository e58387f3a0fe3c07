/**
 * Resolves the caller from `Authorization: Bearer` (a signed login token or, when
 * AUTH_JWT_SECRET is set, a JWT) or the session cookie, and 401s otherwise.
 *
 * `requireAuth` also checks the login's D1 row (not logged out) and slides its expiry;
 * `requireSignedAuth` checks the signature only — for the turn, whose executor knows every
 * revoked login of its owner, so a warm turn reaches the model without touching D1.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { readConfig } from '../../shared/config';
import { ApiError } from '../../shared/errors';
import { looksLikeJwt, verifyJwtUser } from '../auth/jwt';
import { looksLikeLoginToken } from '../auth/login-token';
import { resolveLogin, verifiedLogin } from '../auth/sessions';
import type { Login } from '../auth/sessions';
import { readSessionCookie, setSessionCookie } from '../auth/session-cookie';
import type { Auth, HonoEnv } from '../hono-env';
import { directoryDb } from '../request-timing';
import { shardCount } from '../../db/shards';

type Strength = 'checked' | 'signed';

export function bearerToken(header: string | undefined): string | null {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1]! : null;
}

function authMiddleware(strength: Strength) {
  return createMiddleware<HonoEnv>(async (c, next) => {
    const login = await authenticate(c, strength);
    c.get('timing').mark('auth');
    if (!login) throw new ApiError('unauthorized', 'Sign in to continue');
    c.set('auth', login.auth);
    await next();
    // The login slid forward: the cookie carries the new token (set after the handler, so a
    // handler's own Set-Cookie — a logout's clearing — is never overwritten by an earlier one).
    if (login.refreshed && login.auth.via === 'cookie' && c.res.headers.get('Set-Cookie') === null) setSessionCookie(c, login.refreshed);
  });
}

export const requireAuth = authMiddleware('checked');
export const requireSignedAuth = authMiddleware('signed');

export async function authenticate(c: Context<HonoEnv>, strength: Strength): Promise<{ auth: Auth; refreshed: string | null } | null> {
  const env = c.env;
  const bearer = bearerToken(c.req.header('Authorization'));
  if (bearer && env.AUTH_JWT_SECRET && looksLikeJwt(bearer)) {
    const user = await verifyJwtUser(directoryDb(c), shardCount(env), bearer, env.AUTH_JWT_SECRET, readConfig(env).jwtIssuer);
    return user ? { auth: { userId: user.userId, email: user.email, authSessionId: null, expiresAt: user.expiresAt, via: 'jwt', shard: user.shard }, refreshed: null } : null;
  }
  // `__Host-session` over HTTPS, `session` on localhost (session-cookie.ts).
  const token = bearer ?? readSessionCookie(c);
  if (!token || !looksLikeLoginToken(token)) return null;
  const secret = loginSecret(env);
  const login: Login | null =
    strength === 'signed' ? await verifiedLogin(token, secret) : await resolveLogin(directoryDb(c), token, secret, readConfig(env).authSessionTtlMs);
  if (!login) return null;
  if (login.refreshed) c.executionCtx.waitUntil(login.refreshed.write);
  const auth: Auth = { userId: login.userId, email: login.email, authSessionId: login.authSessionId, expiresAt: login.expiresAt, via: bearer ? 'bearer' : 'cookie', shard: login.shard };
  return { auth, refreshed: login.refreshed?.token ?? null };
}

/** AUTH_TOKEN_SECRET signs every login; without it no login can be issued or checked. */
export function loginSecret(env: HonoEnv['Bindings']): string {
  if (!env.AUTH_TOKEN_SECRET) throw new Error('AUTH_TOKEN_SECRET is not set: `npm run dev` writes one to .dev.vars; in production use `wrangler secret put AUTH_TOKEN_SECRET`');
  return env.AUTH_TOKEN_SECRET;
}
