/**
 * Resolves the caller from `Authorization: Bearer` (opaque token or, when AUTH_JWT_SECRET is
 * set, a JWT) or the `session` cookie, and 401s otherwise.
 */
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { looksLikeJwt, verifyJwtUser } from '../auth/jwt';
import { resolveSessionToken } from '../auth/sessions';
import { readConfig } from '../../shared/config';
import { createDb } from '../../db/client';
import { ApiError } from '../../shared/errors';
import { SESSION_COOKIE, setSessionCookie } from '../auth/session-cookie';
import type { Auth, HonoEnv } from '../hono-env';

export function bearerToken(header: string | undefined): string | null {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1]! : null;
}

export const requireAuth = createMiddleware<HonoEnv>(async (c, next) => {
  const cookie = getCookie(c, SESSION_COOKIE);
  let slid = false;
  const auth = await authenticate(c.env, c.req.header('Authorization'), cookie, (p) => {
    slid = true;
    c.executionCtx.waitUntil(p);
  });
  if (!auth) throw new ApiError('unauthorized', 'Sign in to continue');
  c.set('auth', auth);
  await next();
  // The login's expiry slid forward: the cookie's must follow, or the browser drops it first.
  if (slid && auth.via === 'cookie' && cookie) setSessionCookie(c, cookie);
});

export async function authenticate(
  env: HonoEnv['Bindings'],
  authorization: string | undefined,
  cookie: string | undefined,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Auth | null> {
  const db = createDb(env.DB);
  const bearer = bearerToken(authorization);
  if (bearer && env.AUTH_JWT_SECRET && looksLikeJwt(bearer)) {
    const user = await verifyJwtUser(db, bearer, env.AUTH_JWT_SECRET);
    return user ? { ...user, authSessionId: null, via: 'jwt' } : null;
  }
  const token = bearer ?? cookie;
  if (!token) return null;
  const session = await resolveSessionToken(db, token, readConfig(env).authSessionTtlMs);
  if (!session) return null;
  if (session.refresh) waitUntil(session.refresh);
  return { userId: session.userId, email: session.email, authSessionId: session.authSessionId, via: bearer ? 'bearer' : 'cookie' };
}
