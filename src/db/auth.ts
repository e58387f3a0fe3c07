/** users and auth_sessions (logins): written and read by the Worker's auth only. */
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Db } from './client';
import { authSessions, users } from './schema';
import type { User } from './schema';
import { emptiestShard } from './shards';

/**
 * Inserts the user, placed on the emptiest of `shards` shards, unless the email (or id) is
 * taken; answers the shard it was placed on, or null when it was not inserted. One statement:
 * D1 runs statements one at a time, so sign-ups arriving together still see each other's
 * placement (and a trigger counts it, migrations/directory/0001_count_placed_users.sql).
 */
export async function insertUserIfAbsent(db: Db, user: Omit<User, 'shard'>, shards: number): Promise<number | null> {
  const [placed] = await db.all<{ shard: number }>(sql`
    INSERT INTO ${users} (${sql.identifier('id')}, ${sql.identifier('email')}, ${sql.identifier('password_hash')}, ${sql.identifier('created_at')}, ${sql.identifier('shard')})
    SELECT ${user.id}, ${user.email}, ${user.passwordHash}, ${user.createdAt}, (${emptiestShard(shards)})
    WHERE true
    ON CONFLICT DO NOTHING
    RETURNING ${sql.identifier('shard')}`);
  return placed?.shard ?? null;
}

export async function findUserByEmail(db: Db, email: string): Promise<User | null> {
  const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  return user ?? null;
}

export async function findUserEmail(db: Db, userId: string): Promise<{ email: string; shard: number } | null> {
  const [user] = await db.select({ email: users.email, shard: users.shard }).from(users).where(eq(users.id, userId)).limit(1);
  return user ?? null;
}

export async function insertLogin(db: Db, login: typeof authSessions.$inferInsert): Promise<void> {
  await db.insert(authSessions).values(login);
}

/** A login that has not expired, with its user's email; null when there is none. */
export async function findLiveLogin(db: Db, id: string, now: number) {
  const [row] = await db
    .select({ userId: users.id, email: users.email, shard: users.shard, lastSeenAt: authSessions.lastSeenAt, expiresAt: authSessions.expiresAt })
    .from(authSessions)
    .innerJoin(users, eq(users.id, authSessions.userId))
    .where(and(eq(authSessions.id, id), gt(authSessions.expiresAt, now)))
    .limit(1);
  return row ?? null;
}

/** Slides a login's expiry forward (sliding sessions). */
export function slideLogin(db: Db, id: string, now: number, ttlMs: number) {
  return db.update(authSessions).set({ lastSeenAt: now, expiresAt: now + ttlMs }).where(eq(authSessions.id, id));
}

export async function deleteLogin(db: Db, id: string): Promise<void> {
  await db.delete(authSessions).where(eq(authSessions.id, id));
}
