/**
 * What the executor-module tests share: a real executor object to borrow storage from, the
 * real D1 seen through a statement log (to prove which paths read D1 and which do not), and
 * the real D1 behind a switch that makes it fail (to prove failures are deferred, not lost).
 */
import { env } from 'cloudflare:workers';
import { createDb } from '../../src/db/client';
import type { Db } from '../../src/db/client';
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

/** Every SQL statement sent to D1 through `d1`, in order. */
export interface StatementLog {
  statements: string[];
  /** Statements that read `table` (SELECTs naming it). */
  readsOf(table: string): number;
}

export function loggedDb(): { db: Db; log: StatementLog } {
  const statements: string[] = [];
  const d1 = new Proxy(env.DB, {
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
  const d1 = new Proxy(env.DB, {
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
  return (await env.DB.prepare(query).bind(...params).all<T>()).results;
}
