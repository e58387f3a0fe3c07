/**
 * What the executor-module tests share: a real executor object to borrow storage from, the
 * real D1 seen through a statement log (to prove which paths read D1 and which do not), and
 * the real D1 behind a switch that makes it fail (to prove failures are deferred, not lost).
 */
import { env } from 'cloudflare:workers';
import { createDb } from '../../src/db/client';
import type { Db } from '../../src/db/client';
import { insertSession } from '../../src/db/sessions';
import { AlarmScheduler } from '../../src/objects/alarm-scheduler';
import { LiveChannel } from '../../src/objects/live-channel';
import { SessionLifecycle } from '../../src/objects/session-lifecycle';
import { SessionRegistry } from '../../src/objects/session-registry';
import type { LiveSession } from '../../src/objects/session-registry';
import { readConfig } from '../../src/shared/config';
import type { Owner } from '../../src/shared/owner';
import { signUp } from '../helpers';
import type { Caller } from '../helpers';

/** A signed-up user (D1 rows need one) and its executor's owner and stub. */
export type ExecutorStub = ReturnType<typeof env.AGENT_EXECUTOR.getByName>;

export async function ownerOf(agentName: Owner['agentName'] = 'assistant'): Promise<{ caller: Caller; owner: Owner; stub: ExecutorStub }> {
  const caller = await signUp();
  const owner: Owner = { userId: caller.userId, agentName };
  return { caller, owner, stub: env.AGENT_EXECUTOR.getByName(`${owner.userId}:${agentName}`) };
}

/**
 * Module tests run over one shard (SHARD_0) whoever the user is: which shard a user is placed
 * on, and that their rows stay there, is shards.test.ts's business.
 */

/** Every SQL statement sent to D1 through `d1`, in order. */
export interface StatementLog {
  statements: string[];
  /** Statements that read `table` (SELECTs naming it). */
  readsOf(table: string): number;
}

export function loggedDb(): { db: Db; log: StatementLog } {
  const statements: string[] = [];
  const d1 = new Proxy(env.SHARD_0, {
    get(target, property) {
      if (property === 'prepare') {
        return (query: string) => {
          statements.push(query);
          return target.prepare(query);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const readsOf = (table: string) => statements.filter((s) => /^\s*select/i.test(s) && s.includes(`"${table}"`)).length;
  return { db: createDb(d1), log: { statements, readsOf } };
}

/** The real D1, except that while `down` is set every statement fails as an outage would. */
export function flakyDb(): { db: Db; outage: { down: boolean } } {
  const outage = { down: false };
  const d1 = new Proxy(env.SHARD_0, {
    get(target, property) {
      if (property === 'prepare') {
        return (query: string) => {
          if (outage.down) throw new Error('D1_ERROR: Network connection lost.');
          return target.prepare(query);
        };
      }
      if (property === 'batch' && outage.down) return () => Promise.reject(new Error('D1_ERROR: Network connection lost.'));
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: createDb(d1), outage };
}

export async function d1Rows<T = Record<string, unknown>>(query: string, ...params: unknown[]): Promise<T[]> {
  return (await env.SHARD_0.prepare(query).bind(...params).all<T>()).results;
}

/** The executor's session modules over an object's real storage, wired as the executor wires them. */
export function sessionModules(state: DurableObjectState, db: Db) {
  const config = readConfig(env);
  const registry = new SessionRegistry(state.storage.sql);
  const alarm = new AlarmScheduler(
    state.storage,
    { oldestBeatAt: () => registry.oldestBeatAt(), cached: () => true, inFlight: () => 0, hasPendingWrites: () => false, loginExpiresAt: () => null },
    { sessionTtlMs: config.sessionTtlMs, idleTtlMs: config.executorIdleTtlMs },
  );
  // Every socket's login counts as valid here; login endings are tested through the executor.
  const lifecycle = new SessionLifecycle(db, registry, new LiveChannel(state), alarm, config, () => true);
  return { config, registry, alarm, lifecycle };
}

/** A session row in D1 and in the registry, as an open at `at` would leave them. */
export async function seedSession(
  db: Db,
  registry: SessionRegistry,
  owner: Owner,
  chatId: string,
  o: { at?: number; authSessionId?: string | null; clientInstanceId?: string | null } = {},
): Promise<LiveSession> {
  const at = o.at ?? Date.now();
  const live: LiveSession = {
    id: crypto.randomUUID(),
    chatId,
    authSessionId: o.authSessionId ?? null,
    clientInstanceId: o.clientInstanceId ?? null,
    createdAt: at,
    lastBeatAt: at,
    persistedBeatAt: at,
  };
  await insertSession(
    db,
    {
      id: live.id,
      chatId,
      userId: owner.userId,
      agentName: owner.agentName,
      authSessionId: live.authSessionId,
      clientInstanceId: live.clientInstanceId,
      isActive: true,
      createdAt: at,
      updatedAt: at,
      lastHeartbeatAt: at,
      endedAt: null,
      endReason: null,
    },
    null,
  );
  registry.add(live);
  return live;
}

export async function sessionRows(...ids: string[]) {
  const rows = await d1Rows<{ id: string; is_active: number; end_reason: string | null; last_heartbeat_at: number }>(
    `SELECT id, is_active, end_reason, last_heartbeat_at FROM chat_sessions WHERE id IN (${ids.map(() => '?').join(',')})`,
    ...ids,
  );
  return ids.map((id) => rows.find((r) => r.id === id));
}
