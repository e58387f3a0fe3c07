/** auth_sessions: create on login, resolve on every request (with sliding expiry), delete on logout. */
import { and, eq, gt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { authSessions, users } from '../db/schema';
import { hashToken, newSessionToken } from './tokens';

/** Sliding refresh is written at most this often per session, to keep auth reads write-free. */
const REFRESH_EVERY_MS = 60 * 60 * 1000;

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
  await db.insert(authSessions).values({ id, userId, createdAt: now, lastSeenAt: now, expiresAt: now + ttlMs });
  return { token, id };
}

export async function resolveSessionToken(db: Db, token: string, ttlMs: number): Promise<ResolvedSession | null> {
  const id = await hashToken(token);
  const now = Date.now();
  const [row] = await db
    .select({ userId: users.id, email: users.email, lastSeenAt: authSessions.lastSeenAt })
    .from(authSessions)
    .innerJoin(users, eq(users.id, authSessions.userId))
    .where(and(eq(authSessions.id, id), gt(authSessions.expiresAt, now)))
    .limit(1);
  if (!row) return null;
  const refresh =
    now - row.lastSeenAt > REFRESH_EVERY_MS
      ? db.update(authSessions).set({ lastSeenAt: now, expiresAt: now + ttlMs }).where(eq(authSessions.id, id))
      : null;
  return { userId: row.userId, email: row.email, authSessionId: id, refresh };
}

export async function deleteAuthSession(db: Db, id: string): Promise<void> {
  await db.delete(authSessions).where(eq(authSessions.id, id));
}
