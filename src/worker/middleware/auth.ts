/**
 * Resolves the caller from `Authorization: Bearer` (opaque token or, when AUTH_JWT_SECRET is
 * set, a JWT) or the `session` cookie, and 401s otherwise.
 */
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { looksLikeJwt, verifyJwtUser } from '../auth/jwt';
import { resolveSessionToken } from '../auth/sessions';
import { readConfig } from '../config';
import { createDb } from '../db/client';
import { ApiError } from '../errors';
import type { Auth, HonoEnv } from '../hono-env';

export const SESSION_COOKIE = 'session';

export function bearerToken(header: string | undefined): string | null {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1]! : null;
}

export const requireAuth = createMiddleware<HonoEnv>(async (c, next) => {
  const auth = await authenticate(c.env, c.req.header('Authorization'), getCookie(c, SESSION_COOKIE), (p) => c.executionCtx.waitUntil(p));
  if (!auth) throw new ApiError('unauthorized', 'Sign in to continue');
  c.set('auth', auth);
  await next();
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
