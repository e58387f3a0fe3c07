/**
 * The directory database (binding `DB`, SPEC §17): who the users are, their logins, the ids
 * of their shared links, and which shard holds each user's data. Everything else a user owns
 * lives in one shard (shard-schema.ts). `npm run db:generate` writes migrations/directory/.
 */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  /** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`: the parameters travel with the hash. */
  passwordHash: text('password_hash').notNull(),
  createdAt: integer('created_at').notNull(),
  /** The shard (SHARD_<n>) holding every other row of this user: chosen once, never moved. */
  shard: integer('shard').notNull(),
});

export const authSessions = sqliteTable(
  'auth_sessions',
  {
    /** SHA-256 (hex) of the opaque token; the token itself is never stored. */
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

/**
 * How many users each shard was given: read to place a new user on the emptiest shard, so a
 * shard added later fills first and nobody moves. A count, not a constraint: a lost increment
 * only makes placement a little less even.
 */
export const shardLoads = sqliteTable('shard_loads', {
  shard: integer('shard').primaryKey(),
  users: integer('users').notNull().default(0),
});

/** A shared link's id and whose it is: a reader without a login finds the shard from it. */
export const shareLinks = sqliteTable('share_links', {
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  createdAt: integer('created_at').notNull(),
});

export type User = typeof users.$inferSelect;
