/**
 * SPEC §17: a directory and N = 2 shards. Users are placed evenly and never see each other's
 * data; each user's rows live in their shard only; reads carry a bookmark so a user reads
 * their own writes; a shard that cannot be reached fails its own users only, with a 503.
 */
import { createExecutionContext, evictDurableObject, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../src/worker/index';
import { D1_BOOKMARK_HEADER } from '../src/shared/api';
import { answer } from '../src/objects/rpc-contract';
import { call, executorStub, expectError, expectStatus, ORIGIN, signUp } from './helpers';
import type { Caller } from './helpers';
import { shardBindingsOf, shardIndexOf } from './shard-helpers';
import { streamTurn } from './turn-helpers';

/** Every table of a user in a shard, and how to find that user's rows in it. */
const USER_ROWS: Record<string, string> = {
  chats: 'SELECT count(*) AS n FROM chats WHERE user_id = ?',
  chat_sessions: 'SELECT count(*) AS n FROM chat_sessions WHERE user_id = ?',
  chat_messages: 'SELECT count(*) AS n FROM chat_messages m JOIN chats c ON c.id = m.chat_id WHERE c.user_id = ?',
  agent_instructions: 'SELECT count(*) AS n FROM agent_instructions WHERE user_id = ?',
  agent_memories: 'SELECT count(*) AS n FROM agent_memories WHERE user_id = ?',
  tasks: 'SELECT count(*) AS n FROM tasks WHERE user_id = ?',
  chat_shares: 'SELECT count(*) AS n FROM chat_shares WHERE user_id = ?',
  message_search: "SELECT count(*) AS n FROM message_search s JOIN chat_messages m ON m.rowid = s.rowid JOIN chats c ON c.id = m.chat_id WHERE c.user_id = ? AND message_search MATCH 'pelican'",
};

/** Users until there is one on each of the first two shards. */
async function oneUserPerShard(): Promise<[Caller, Caller]> {
  const placed = new Map<number, Caller>();
  for (let i = 0; i < 10 && placed.size < 2; i++) {
    const caller = await signUp('sharded');
    placed.set(await shardIndexOf(caller.userId), caller);
  }
  expect([...placed.keys()].sort()).toEqual([0, 1]);
  return [placed.get(0)!, placed.get(1)!];
}

/** A user's everyday footprint: a chat with a tool-using turn, a memory, instructions, a task, a share. */
async function useEverything(caller: Caller): Promise<string> {
  const { chat } = await expectStatus(201, 'POST', '/sessions', { caller, body: { agent: 'assistant' } });
  await streamTurn(caller, chat.id, 'add a task to feed the pelican');
  await expectStatus(201, 'POST', '/tasks', { caller, body: { title: 'pelican food' } });
  await expectStatus(201, 'POST', '/agents/notes/memories', { caller, body: { content: 'likes pelicans' } });
  await expectStatus(200, 'PUT', '/agents/assistant/instructions', { caller, body: { instructions: 'talk about pelicans' } });
  await expectStatus(201, 'POST', `/chats/${chat.id}/shares`, { caller });
  return chat.id as string;
}

async function rowsIn(shard: D1Database, userId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [table, query] of Object.entries(USER_ROWS)) counts[table] = (await shard.prepare(query).bind(userId).first<{ n: number }>())!.n;
  return counts;
}

/** The Worker as deployed with `changes` to its bindings (a shard down, or not bound yet). */
async function callWith(changes: Record<string, unknown>, caller: Caller, path: string): Promise<Response> {
  const request = new Request(`${ORIGIN}/api${path}`, { headers: { Authorization: `Bearer ${caller.token}` } });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, { ...env, ...changes }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** A D1 binding whose every statement fails as an unreachable database does. */
const unreachableD1 = (): D1Database => {
  const fail = () => Promise.reject(new Error('D1_ERROR: Network connection lost.'));
  const statement = { bind: () => statement, first: fail, all: fail, run: fail, raw: fail };
  return { prepare: () => statement, batch: fail, exec: fail, withSession: () => ({ prepare: () => statement, batch: fail, getBookmark: () => null }) } as unknown as D1Database;
};

describe('users on shards', () => {
  it('runs with two shards, and places each new user on the emptiest one', async () => {
    expect(shardBindingsOf(env)).toHaveLength(2);
    const placed: number[] = [];
    for (let i = 0; i < 8; i++) placed.push(await shardIndexOf((await signUp('even')).userId));
    // One at a time, the emptiest shard takes the next user: they alternate.
    expect(placed.filter((s) => s === 0)).toHaveLength(4);
    const loads = await env.DB.prepare('SELECT users FROM shard_loads ORDER BY shard').all<{ users: number }>();
    const [x, y] = loads.results.map((r) => r.users);
    expect(Math.abs(x! - y!)).toBeLessThanOrEqual(1);
    // The counts placement reads are the users the directory holds.
    const users = await env.DB.prepare('SELECT count(*) AS n FROM users GROUP BY shard ORDER BY shard').all<{ n: number }>();
    expect(users.results.map((r) => r.n)).toEqual(loads.results.map((r) => r.users));
  });

  it('places a burst of sign-ups arriving together evenly too, and counts only users really created', async () => {
    const before = await env.DB.prepare('SELECT shard, count(*) AS n FROM users GROUP BY shard ORDER BY shard').all<{ shard: number; n: number }>();
    const burst = await Promise.all(Array.from({ length: 12 }, () => signUp('burst')));
    const added = [0, 0];
    for (const caller of burst) added[await shardIndexOf(caller.userId)]! += 1;
    const after = await env.DB.prepare('SELECT shard, count(*) AS n FROM users GROUP BY shard ORDER BY shard').all<{ shard: number; n: number }>();
    const [x, y] = after.results.map((r) => r.n);
    expect(Math.abs(x! - y!), `added ${added.join('/')} to ${before.results.map((r) => r.n).join('/')}`).toBeLessThanOrEqual(1);
    // A sign-up that creates nobody (the email is taken) places nobody.
    await expectError(await call('POST', '/auth/signup', { body: { email: burst[0]!.email, password: 'correct horse battery' } }), 409, 'conflict');
    const loads = await env.DB.prepare('SELECT users FROM shard_loads ORDER BY shard').all<{ users: number }>();
    expect(loads.results.map((r) => r.users)).toEqual(after.results.map((r) => r.n));
  });

  it('keeps each user’s rows in their own shard only, every table of them', async () => {
    const [onZero, onOne] = await oneUserPerShard();
    await useEverything(onZero);
    await useEverything(onOne);
    const [zero, one] = shardBindingsOf(env) as [D1Database, D1Database];
    const nothing = Object.fromEntries(Object.keys(USER_ROWS).map((t) => [t, 0]));
    for (const [caller, home, other] of [
      [onZero, zero, one],
      [onOne, one, zero],
    ] as const) {
      const mine = await rowsIn(home, caller.userId);
      for (const [table, n] of Object.entries(mine)) expect(n, `${table} in the user's shard`).toBeGreaterThan(0);
      expect(await rowsIn(other, caller.userId)).toEqual(nothing);
    }
    // The directory holds no user data beyond who they are, their logins and share ids.
    const directoryTables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' AND name <> 'd1_migrations' ORDER BY name").all<{ name: string }>();
    expect(directoryTables.results.map((r) => r.name).filter((n) => n !== 'test_write_log')).toEqual(['auth_sessions', 'shard_loads', 'share_links', 'users']);
  });

  it('never shows one shard’s user the other’s data: lists, search, pages and ids all 404 or empty', async () => {
    const [alice, bob] = await oneUserPerShard();
    const aliceChat = await useEverything(alice);
    const bobChat = await useEverything(bob);
    for (const [me, mine, theirs] of [
      [alice, aliceChat, bobChat],
      [bob, bobChat, aliceChat],
    ] as const) {
      const chats = await expectStatus(200, 'GET', '/chats?agent=assistant', { caller: me });
      expect(chats.chats.map((c: { id: string }) => c.id)).toEqual([mine]);
      const hits = await expectStatus(200, 'GET', '/search?q=pelican', { caller: me });
      expect(new Set(hits.results.map((r: { chatId: string }) => r.chatId))).toEqual(new Set([mine]));
      const tasks = await expectStatus(200, 'GET', '/tasks', { caller: me });
      expect(tasks.tasks.every((t: { id: string }) => typeof t.id === 'string')).toBe(true);
      expect(tasks.tasks).toHaveLength(2);
      for (const path of [`/chats/${theirs}`, `/chats/${theirs}/messages`, `/chats/${theirs}/export`, `/chats/${theirs}/shares`]) {
        await expectError(await call('GET', path, { caller: me }), 404, 'not_found');
      }
    }
  });
});

describe('the executor and its shard', () => {
  it('learns its owner’s shard once, from the directory, and keeps it in its own storage', async () => {
    const caller = await signUp('learns');
    const home = await shardIndexOf(caller.userId);
    const { chat } = await expectStatus(201, 'POST', '/sessions', { caller, body: { agent: 'assistant' } });
    const stub = executorStub(caller);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.kv.get('shard'))).toBe(home);
    // Asked again, the directory would now say otherwise: an evicted, woken executor does not ask.
    await env.DB.prepare('UPDATE users SET shard = ? WHERE id = ?').bind(1 - home, caller.userId).run();
    await evictDurableObject(stub);
    await streamTurn(caller, chat.id, 'where do I go [[tokens:2]]');
    const [mine, other] = [shardBindingsOf(env)[home]!, shardBindingsOf(env)[1 - home]!];
    const count = 'SELECT count(*) AS n FROM chat_messages WHERE chat_id = ?';
    expect((await mine.prepare(count).bind(chat.id).first<{ n: number }>())!.n).toBe(2);
    expect((await other.prepare(count).bind(chat.id).first<{ n: number }>())!.n).toBe(0);
  });

  it('answers an RPC whose shard cannot be reached with unavailable, as data', async () => {
    expect(await answer(() => Promise.reject(new Error('D1_ERROR: Network connection lost.')))).toEqual({
      ok: false,
      error: { code: 'unavailable', message: expect.stringMatching(/temporarily unavailable/) },
    });
  });
});

describe('reading your own writes (D1 Sessions API)', () => {
  it('answers each request with a bookmark, and a fresh session from that bookmark sees the write', async () => {
    const caller = await signUp('bookmark');
    const created = await call('POST', '/tasks', { caller, body: { title: 'read me back' } });
    expect(created.status).toBe(201);
    const bookmark = created.headers.get(D1_BOOKMARK_HEADER);
    expect(bookmark).toMatch(/\S/);
    const { task } = await created.json<{ task: { id: string } }>();

    // Straight through the Sessions API: a new session that starts at the bookmark has the row.
    const shard = shardBindingsOf(env)[await shardIndexOf(caller.userId)]!;
    const session = shard.withSession(bookmark!);
    expect(await session.prepare('SELECT title FROM tasks WHERE id = ?').bind(task.id).first()).toEqual({ title: 'read me back' });
    expect(session.getBookmark()! >= bookmark!).toBe(true);

    // Through the API: the client sends the bookmark back and reads at least that fresh.
    const listed = await call('GET', '/tasks', { caller, headers: { [D1_BOOKMARK_HEADER]: bookmark! } });
    expect(listed.status).toBe(200);
    expect((await listed.json<{ tasks: { id: string }[] }>()).tasks.map((t) => t.id)).toContain(task.id);
    expect(listed.headers.get(D1_BOOKMARK_HEADER)! >= bookmark!).toBe(true);
  });

  it('opens the user’s shard as a session from the bookmark the client sent, or from the primary when it sent none', async () => {
    const [onZero] = await oneUserPerShard();
    const asked: string[] = [];
    const real = env.SHARD_0;
    const watched = new Proxy(real, {
      get(target, property) {
        if (property === 'withSession') return (constraint: string) => (asked.push(constraint), target.withSession(constraint));
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const first = await callWith({ SHARD_0: watched }, onZero, '/tasks');
    const bookmark = first.headers.get(D1_BOOKMARK_HEADER)!;
    const request = new Request(`${ORIGIN}/api/tasks`, { headers: { Authorization: `Bearer ${onZero.token}`, [D1_BOOKMARK_HEADER]: bookmark } });
    const ctx = createExecutionContext();
    expect((await worker.fetch(request, { ...env, SHARD_0: watched }, ctx)).status).toBe(200);
    await waitOnExecutionContext(ctx);
    expect(asked).toEqual(['first-primary', bookmark]);
  });

  it('ends a turn with the bookmark of the executor’s writes, so the history read after it is at least that fresh', async () => {
    const caller = await signUp('bookmark');
    const { chat } = await expectStatus(201, 'POST', '/sessions', { caller, body: { agent: 'assistant' } });
    const before = (await call('GET', '/tasks', { caller })).headers.get(D1_BOOKMARK_HEADER)!;
    const events = await streamTurn(caller, chat.id, 'remember the bookmark [[tokens:2]]');
    const done = events.find((e) => e.event === 'done')!;
    const after = (done.data as { bookmark?: string }).bookmark;
    expect(after).toMatch(/\S/);
    expect(after! > before).toBe(true); // the turn wrote: the bookmark moved on
    const shard = shardBindingsOf(env)[await shardIndexOf(caller.userId)]!;
    const fresh = shard.withSession(after!);
    expect((await fresh.prepare('SELECT count(*) AS n FROM chat_messages WHERE chat_id = ?').bind(chat.id).first<{ n: number }>())!.n).toBe(2);
  });

  it('ignores a bookmark that is not one rather than failing the read', async () => {
    const caller = await signUp('bookmark');
    const listed = await call('GET', '/chats?agent=assistant', { caller, headers: { [D1_BOOKMARK_HEADER]: 'not a bookmark; DROP TABLE chats' } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get(D1_BOOKMARK_HEADER)).toMatch(/\S/);
  });
});

describe('a shard that cannot be reached', () => {
  it('fails only its own users, with 503 unavailable in the error shape; the other shard’s users carry on', async () => {
    const [onZero, onOne] = await oneUserPerShard();
    const down = { SHARD_1: unreachableD1() };
    for (const path of ['/chats?agent=assistant', '/tasks', '/search?q=anything', '/agents/notes/memories']) {
      await expectError(await callWith(down, onOne, path), 503, 'unavailable');
      expect((await callWith(down, onZero, path)).status).toBe(200);
    }
    // Signing in needs only the directory: the user is told their data is away, not signed out.
    expect((await callWith(down, onOne, '/auth/me')).status).toBe(200);
  });

  it('answers 503, not 500, for a user whose shard is not bound in this deployment', async () => {
    const caller = await signUp('unbound');
    await env.DB.prepare('UPDATE users SET shard = 7 WHERE id = ?').bind(caller.userId).run();
    await expectError(await call('GET', '/tasks', { caller }), 503, 'unavailable');
    await expectError(await call('POST', '/sessions', { caller, body: { agent: 'notes' } }), 503, 'unavailable');
  });
});
