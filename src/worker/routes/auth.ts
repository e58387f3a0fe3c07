/** SPEC §5 Auth: signup, login, logout, me. */
import { Hono } from 'hono';
import { z } from 'zod';
import { hashPassword, UNMATCHABLE_HASH, verifyPassword } from '../auth/password';
import { createLogin, deleteAuthSession } from '../auth/sessions';
import { readConfig } from '../../shared/config';
import { shardCount } from '../../db/shards';
import { directoryDb } from '../request-timing';
import { findUserByEmail, insertUserIfAbsent } from '../../db/auth';
import { ApiError } from '../../shared/errors';
import type { HonoEnv } from '../hono-env';
import { requireAuth } from '../middleware/auth';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookie';
import { validate } from '../validation';
import { limitLogin, limitSignup } from '../auth/attempt-limits';
import { logoutEverywhere } from '../executor-client';
import { loginSecret } from '../middleware/auth';

export const credentialsBody = z.strictObject({
  email: z
    .email('must be an email address')
    .max(254)
    .transform((e) => e.toLowerCase()),
  password: z.string().min(8, 'must be at least 8 characters').max(256, 'must be at most 256 characters'),
});

const INVALID_LOGIN = 'Email or password is incorrect';

export const authRoutes = new Hono<HonoEnv>()
  .post('/signup', validate('json', credentialsBody), async (c) => {
    const { email, password } = c.req.valid('json');
    // Before the hash: each sign-up costs a PBKDF2 computation, and each 409 tells whether an email has an account.
    await limitSignup(c);
    const db = directoryDb(c);
    const passwordHash = await hashPassword(password);
    const id = crypto.randomUUID();
    const shard = await insertUserIfAbsent(db, { id, email, passwordHash, createdAt: Date.now() }, shardCount(c.env));
    if (shard === null) throw new ApiError('conflict', 'An account with this email already exists');
    const { token } = await createLogin(db, { id, email }, readConfig(c.env).authSessionTtlMs, loginSecret(c.env));
    setSessionCookie(c, token);
    return c.json({ user: { id, email }, token }, 201);
  })
  .post('/login', validate('json', credentialsBody), async (c) => {
    const { email, password } = c.req.valid('json');
    await limitLogin(c, email);
    const db = directoryDb(c);
    const user = await findUserByEmail(db, email);
    // Verify even for an unknown email so both failures take the same time.
    const ok = await verifyPassword(password, user?.passwordHash ?? UNMATCHABLE_HASH);
    if (!user || !ok) throw new ApiError('unauthorized', INVALID_LOGIN);
    const { token } = await createLogin(db, user, readConfig(c.env).authSessionTtlMs, loginSecret(c.env));
    setSessionCookie(c, token);
    return c.json({ user: { id: user.id, email: user.email }, token }, 200);
  })
  .post('/logout', requireAuth, async (c) => {
    const auth = c.get('auth');
    // Cleared before anything can fail, so even an error answer leaves the browser signed out;
    // and once cleared, a slid login cannot set it again later in this request.
    clearSessionCookie(c);
    if (auth.authSessionId) {
      // The login goes first: if telling the executors fails, it is already refused everywhere D1 is asked.
      await deleteAuthSession(directoryDb(c), auth.authSessionId);
      await logoutEverywhere(c.env, auth.userId, auth.authSessionId, auth.expiresAt);
    }
    return c.body(null, 204);
  })
  .get('/me', requireAuth, (c) => {
    const { userId, email } = c.get('auth');
    return c.json({ user: { id: userId, email } });
  });
