/**
 * Which database holds what (SPEC §17): the directory (binding `DB`) and N shards (`SHARD_0` …
 * `SHARD_{N-1}`; N is the number of such bindings). Only this module reads those bindings:
 * callers ask for the directory or for a user's database, never for a binding.
 */
import { eq, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { ApiError } from '../shared/errors';
import { createDb } from './client';
import type { Db } from './client';
import { countingD1 } from './counting';
import type { StatementCounter } from './counting';
import { shardLoads, users } from './directory-schema';

/** What this module needs of an environment: the directory and the shard bindings. */
export interface DatabaseEnv {
  DB: D1Database;
}

function bindingOf(env: DatabaseEnv, shard: number): D1Database | undefined {
  return (env as unknown as Record<string, D1Database | undefined>)[`SHARD_${shard}`];
}

/** N: SHARD_0 … SHARD_{N-1} are bound. A deployment grows by adding the next binding. */
export function shardCount(env: DatabaseEnv): number {
  let n = 0;
  while (bindingOf(env, n)) n += 1;
  return n;
}

export const DATABASE_UNAVAILABLE = 'Your data is temporarily unavailable; try again shortly';
const shardUnavailable = (shard: number) => new ApiError('unavailable', `${DATABASE_UNAVAILABLE} (shard ${shard} is not bound)`);

/** The binding of a shard; a shard that is not bound here is unavailable, not a bug of the caller. */
function shardBinding(env: DatabaseEnv, shard: number): D1Database {
  const binding = bindingOf(env, shard);
  if (!binding) throw shardUnavailable(shard);
  return binding;
}

export function directoryDb(env: DatabaseEnv, counter?: StatementCounter): Db {
  return createDb(countingD1(env.DB, counter));
}

/** A shard's database for a reader who is not its user (a shared link): no session, no bookmark. */
export function shardDb(env: DatabaseEnv, shard: number, counter?: StatementCounter): Db {
  return createDb(countingD1(shardBinding(env, shard), counter));
}

/**
 * A user's shard as a D1 session (the Sessions API): from the user's last bookmark, reads may
 * come from a replica no older than it, so a user reads their own writes; with none, from the
 * primary. `session.getBookmark()` then says how far this request has seen.
 */
export function shardSession(env: DatabaseEnv, shard: number, bookmark: string | null): D1DatabaseSession {
  return shardBinding(env, shard).withSession(bookmark ?? 'first-primary');
}

/** Drizzle over a session: it only ever calls `prepare` and `batch`, which a session has. */
export function sessionDb(session: D1DatabaseSession, counter?: StatementCounter): Db {
  return createDb(countingD1(session as unknown as D1Database, counter));
}

/** The user's shard as recorded in the directory; null for no such user. */
export async function findUserShard(directory: Db, userId: string): Promise<number | null> {
  const [row] = await directory.select({ shard: users.shard }).from(users).where(eq(users.id, userId)).limit(1);
  return row?.shard ?? null;
}

/**
 * The shard for a new user, as a subquery: of SHARD_0 … SHARD_{shards-1}, the one holding the
 * fewest users so far (ties to the lowest), so shards fill evenly and a newly added one fills
 * first. Nobody already placed moves.
 */
export function emptiestShard(shards: number): SQL {
  if (shards < 1) throw new ApiError('unavailable', 'No shard database is bound');
  const candidates = sql.join(
    Array.from({ length: shards }, (_, n) => sql`(${n})`),
    sql`, `,
  );
  return sql`SELECT candidate.column1 FROM (VALUES ${candidates}) AS candidate
    LEFT JOIN ${shardLoads} ON ${shardLoads.shard} = candidate.column1
    ORDER BY coalesce(${shardLoads.users}, 0), candidate.column1 LIMIT 1`;
}

/**
 * D1's errors for a database that cannot be reached right now (its "retry" class): the
 * request failed for that shard's users only and is worth retrying, so it is a 503, not a 500.
 */
const UNREACHABLE = [
  'Network connection lost',
  'storage caused object to be reset',
  'reset because its code was updated',
  'D1 DB is overloaded',
  'Too many requests queued',
  'D1_ERROR: internal error',
  'Cannot resolve D1 DB due to transient issue',
];

export function isUnreachableDatabase(error: unknown): boolean {
  const message = error instanceof Error ? `${error.message} ${error.cause instanceof Error ? error.cause.message : ''}` : String(error);
  return UNREACHABLE.some((text) => message.includes(text));
}

/** Where an executor keeps the shard it learned, so it asks the directory once in its life. */
export interface ShardMemory {
  get(): number | undefined;
  put(shard: number): void;
}

/**
 * The owner's shard for a Durable Object, as a D1 binding usable at once: statements wait for
 * the shard to be known — from the object's memory, else the directory (asked once; a failed
 * ask is asked again by the next statement) — and then run there, in one D1 session for the
 * object's life that starts at the primary, so its `bookmark()` covers every write it made.
 */
export function ownerShardD1(env: DatabaseEnv, userId: string, memory: ShardMemory): { d1: D1Database; bookmark: () => string | null } {
  let session: D1DatabaseSession | null = null;
  let known: Promise<number> | null = null;
  const open = (shard: number) => (session ??= shardBinding(env, shard).withSession('first-primary'));
  const current = (): Promise<D1DatabaseSession> => {
    if (session) return Promise.resolve(session);
    const remembered = memory.get();
    if (remembered !== undefined) return Promise.resolve(open(remembered));
    known ??= findUserShard(directoryDb(env), userId).then(
      (shard) => {
        if (shard === null) throw new ApiError('not_found', 'User not found');
        memory.put(shard);
        return shard;
      },
      (error: unknown) => {
        known = null;
        throw error;
      },
    );
    return known.then(open);
  };
  return { d1: deferredD1(current), bookmark: () => session?.getBookmark() ?? null };
}

interface DeferredStatement {
  query: string;
  params: unknown[];
}
const DEFERRED = Symbol('deferred statement');

/** A D1Database whose statements resolve their database only when they run. */
function deferredD1(binding: () => Promise<D1DatabaseSession>): D1Database {
  const real = (d1: D1DatabaseSession, s: DeferredStatement) => d1.prepare(s.query).bind(...s.params);
  const statement = (s: DeferredStatement): D1PreparedStatement => {
    const run = <T>(use: (prepared: D1PreparedStatement) => Promise<T>) => binding().then((d1) => use(real(d1, s)));
    return {
      [DEFERRED]: s,
      bind: (...params: unknown[]) => statement({ query: s.query, params }),
      first: (column?: string) => run((p) => (column === undefined ? p.first() : p.first(column))),
      all: () => run((p) => p.all()),
      run: () => run((p) => p.run()),
      raw: (options?: { columnNames?: boolean }) => run((p) => (options?.columnNames ? p.raw({ columnNames: true }) : p.raw())),
    } as unknown as D1PreparedStatement;
  };
  return {
    prepare: (query: string) => statement({ query, params: [] }),
    batch: async (statements: D1PreparedStatement[]) => {
      const d1 = await binding();
      return d1.batch(statements.map((s) => real(d1, (s as unknown as Record<symbol, DeferredStatement>)[DEFERRED]!)));
    },
    exec: () => Promise.reject(new Error('exec is not available in an executor')),
    withSession: () => {
      throw new Error('an executor already reads and writes through its own session');
    },
    dump: () => Promise.reject(new Error('dump is not available in an executor')),
  } as unknown as D1Database;
}
