/**
 * Tests look at rows where the app keeps them (SPEC §17): users and logins in the directory
 * (`env.DB`), everything else of a user in their shard.
 */
import { env } from 'cloudflare:workers';

/** SHARD_0 … SHARD_{N-1} of an environment. */
export function shardBindingsOf(e: object): D1Database[] {
  const all = e as Record<string, D1Database | undefined>;
  const shards: D1Database[] = [];
  for (let n = 0; all[`SHARD_${n}`]; n += 1) shards.push(all[`SHARD_${n}`]!);
  return shards;
}

/** The shard the directory placed a user on. */
export async function shardIndexOf(userId: string): Promise<number> {
  const row = await env.DB.prepare('SELECT shard FROM users WHERE id = ?').bind(userId).first<{ shard: number }>();
  if (!row) throw new Error(`no user ${userId} in the directory`);
  return row.shard;
}

/** The D1 database holding a user's chats, messages, sessions, memories and tasks. */
export async function shardOf(userId: string): Promise<D1Database> {
  return shardBindingsOf(env)[await shardIndexOf(userId)]!;
}

/** The shard holding a chat (the one shard whose chats table has it). */
export async function shardOfChat(chatId: string): Promise<D1Database> {
  for (const shard of shardBindingsOf(env)) {
    if (await shard.prepare('SELECT 1 FROM chats WHERE id = ?').bind(chatId).first()) return shard;
  }
  throw new Error(`no shard holds chat ${chatId}`);
}

/** The databases that have `table`: the directory, or every shard. */
export async function databasesWith(table: string): Promise<D1Database[]> {
  const found: D1Database[] = [];
  for (const d1 of [env.DB, ...shardBindingsOf(env)]) {
    if (await d1.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").bind(table).first()) found.push(d1);
  }
  return found;
}

/** Runs a test's DDL (a fault trigger on `table`, its removal) wherever `table` lives. */
export async function execWhere(table: string, sql: string): Promise<void> {
  for (const d1 of await databasesWith(table)) await d1.exec(sql);
}

/** A query's rows from every shard, in shard order: for rows found by id, wherever they live. */
export async function rowsOnShards<T = Record<string, unknown>>(query: string, ...params: unknown[]): Promise<T[]> {
  const rows: T[] = [];
  for (const shard of shardBindingsOf(env)) rows.push(...(await shard.prepare(query).bind(...params).all<T>()).results);
  return rows;
}
