/** auth_sessions: create on login, resolve on every request (with sliding expiry), delete on logout. */
import type { Db } from '../../db/client';
import { deleteLogin, findLiveLogin, insertLogin, slideLogin } from '../../db/auth';
import { hashToken, newSessionToken } from './tokens';

/** Sliding refresh is written at most this often per session, to keep auth reads write-free. */
const REFRESH_EVERY_MS = 60 * 60 * 1000;

/**
 * Resolved logins are remembered per isolate this long, so a burst of requests (a turn, its
 * heartbeats, a page of history) costs one D1 read, not one each. The price: a logout reaches
 * other isolates up to this late; the isolate that served the logout forgets at once.
 */
const RESOLVED_CACHE_MS = 10_000;
const RESOLVED_CACHE_MAX = 10_000;
const resolved = new Map<string, { userId: string; email: string; expiresAt: number; cachedUntil: number }>();

export interface ResolvedSession {
  userId: string;
  email: string;
  authSessionId: string;
  /** Set when this request slid the expiry forward; the caller persists it off the hot path. */
  refresh: Promise<unknown> | null;
}

export async function createAuthSession(db: Db, userId: string, ttlMs: number) {
  const token = newSessionToken();
  const id = await hashToken(token);
  const now = Date.now();
  await insertLogin(db, { id, userId, createdAt: now, lastSeenAt: now, expiresAt: now + ttlMs });
  return { token, id };
}

export async function resolveSessionToken(db: Db, token: string, ttlMs: number): Promise<ResolvedSession | null> {
  const id = await hashToken(token);
  const now = Date.now();
  const cached = resolved.get(id);
  if (cached && now < cached.cachedUntil && now < cached.expiresAt) {
    return { userId: cached.userId, email: cached.email, authSessionId: id, refresh: null };
  }
  const row = await findLiveLogin(db, id, now);
  if (!row) {
    resolved.delete(id);
    return null;
  }
  if (resolved.size >= RESOLVED_CACHE_MAX) resolved.delete(resolved.keys().next().value!);
  resolved.set(id, { userId: row.userId, email: row.email, expiresAt: row.expiresAt, cachedUntil: now + RESOLVED_CACHE_MS });
  const refresh = now - row.lastSeenAt > REFRESH_EVERY_MS ? slideLogin(db, id, now, ttlMs) : null;
  return { userId: row.userId, email: row.email, authSessionId: id, refresh };
}

export async function deleteAuthSession(db: Db, id: string): Promise<void> {
  resolved.delete(id);
  await deleteLogin(db, id);
}
