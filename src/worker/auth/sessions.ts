/**
 * Logins (auth_sessions): created on sign-up and login as a signed token (login-token.ts),
 * checked on every request, slid forward while used, deleted on logout.
 *
 * Two strengths of check: `verified` (signature and expiry only, no I/O) for routes whose
 * executor knows every revoked login of its owner (a turn), and `resolveLogin` (also the D1
 * row) for everything else — which also slides the expiry.
 */
import type { Db } from '../../db/client';
import { deleteLogin, findLiveLogin, insertLogin, slideLogin } from '../../db/auth';
import { signLoginToken, verifyLoginToken } from './login-token';
import type { LoginClaims } from './login-token';

/** A login is slid forward (a new token, a D1 write) at most this often. */
const REFRESH_EVERY_MS = 60 * 60 * 1000;

export interface Login {
  userId: string;
  email: string;
  authSessionId: string;
  expiresAt: number;
  /** The user's shard when the directory was asked (a checked login); null when only the signature was. */
  shard: number | null;
  /** Set when this request slid the expiry forward: the new token, and the D1 write to wait for. */
  refreshed: { token: string; write: Promise<unknown> } | null;
}

export async function createLogin(db: Db, user: { id: string; email: string }, ttlMs: number, secret: string): Promise<{ token: string; id: string }> {
  const id = crypto.randomUUID();
  const now = Date.now();
  await insertLogin(db, { id, userId: user.id, createdAt: now, lastSeenAt: now, expiresAt: now + ttlMs });
  return { token: await signLoginToken({ sid: id, uid: user.id, email: user.email, exp: now + ttlMs }, secret), id };
}

const toLogin = (claims: LoginClaims): Login => ({ userId: claims.uid, email: claims.email, authSessionId: claims.sid, expiresAt: claims.exp, shard: null, refreshed: null });

/** Signature and expiry only: for routes whose executor enforces revocation itself. */
export async function verifiedLogin(token: string, secret: string): Promise<Login | null> {
  const claims = await verifyLoginToken(token, secret);
  return claims && toLogin(claims);
}

/** Signature, expiry and the D1 row (not logged out); slides the expiry once an hour. */
export async function resolveLogin(db: Db, token: string, secret: string, ttlMs: number): Promise<Login | null> {
  const claims = await verifyLoginToken(token, secret);
  if (!claims) return null;
  const now = Date.now();
  const row = await findLiveLogin(db, claims.sid, now);
  if (!row || row.userId !== claims.uid) return null;
  const login = { ...toLogin(claims), shard: row.shard };
  if (now - row.lastSeenAt > REFRESH_EVERY_MS) {
    const exp = now + ttlMs;
    login.refreshed = { token: await signLoginToken({ ...claims, exp }, secret), write: slideLogin(db, claims.sid, now, ttlMs) };
    login.expiresAt = exp;
  }
  return login;
}

export async function deleteAuthSession(db: Db, id: string): Promise<void> {
  await deleteLogin(db, id);
}
