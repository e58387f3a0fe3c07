/** Drives the real Worker the way a client would: HTTP in, JSON out. */
import { env, exports } from 'cloudflare:workers';
import { rowsOnShards, shardBindingsOf, shardOfChat } from './shard-helpers';

export const ORIGIN = 'http://localhost';

export interface Caller {
  userId: string;
  email: string;
  token: string;
  /** A unique client IP, so login rate limits of different tests never meet. */
  ip: string;
}

export interface RequestOptions {
  caller?: Caller | undefined;
  /** Authenticate with the session cookie instead of the Bearer token. */
  cookie?: boolean;
  body?: unknown;
  rawBody?: BodyInit;
  headers?: Record<string, string>;
  origin?: string | null;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${crypto.randomUUID()}@example.com`;
}

export async function call(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  const { caller } = options;
  if (caller) {
    if (options.cookie) headers.set('Cookie', `session=${caller.token}`);
    else headers.set('Authorization', `Bearer ${caller.token}`);
    if (!headers.has('CF-Connecting-IP')) headers.set('CF-Connecting-IP', caller.ip);
  }
  const origin = options.origin === undefined ? ORIGIN : options.origin;
  if (origin !== null) headers.set('Origin', origin);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(options.body);
  }
  return exports.default.fetch(new Request(`${ORIGIN}/api${path}`, { method, headers, body }));
}

export async function json<T = any>(response: Response): Promise<T> {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`expected JSON, got ${response.status}: ${text.slice(0, 200)}`);
  }
}

/** Calls and parses, failing loudly on an unexpected status. */
export async function expectStatus<T = any>(status: number, method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await call(method, path, options);
  if (response.status !== status) {
    throw new Error(`${method} ${path}: expected ${status}, got ${response.status}: ${await response.text()}`);
  }
  return response.status === 204 ? (undefined as T) : json<T>(response);
}

export async function signUp(prefix = 'user'): Promise<Caller> {
  const email = uniqueEmail(prefix);
  const ip = `10.${rand()}.${rand()}.${rand()}`;
  const body = await expectStatus<{ user: { id: string }; token: string }>(201, 'POST', '/auth/signup', {
    body: { email, password: 'correct horse battery' },
    headers: { 'CF-Connecting-IP': ip },
  });
  return { userId: body.user.id, email, token: body.token, ip };
}

function rand(): number {
  return Math.floor(Math.random() * 250) + 1;
}

/** The error body every 4xx/5xx must have. */
export async function expectError(response: Response, status: number, code: string): Promise<string> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status} ${code}, got ${response.status}: ${text}`);
  const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
  if (body.error?.code !== code || typeof body.error.message !== 'string' || !body.error.message) {
    throw new Error(`expected error code ${code}, got ${text}`);
  }
  return body.error.message;
}

export type AgentName = 'assistant' | 'notes';

export function executorStub(caller: Caller, agent: AgentName = 'assistant') {
  return env.AGENT_EXECUTOR.getByName(`${caller.userId}:${agent}`);
}

export async function openSession(caller: Caller, body: { agent?: AgentName; chatId?: string; clientInstanceId?: string } = {}, expected?: 200 | 201) {
  const response = await call('POST', '/sessions', { caller, body: { agent: 'assistant', ...body } });
  if (response.status !== 200 && response.status !== 201) throw new Error(`open session: ${response.status} ${await response.text()}`);
  if (expected && response.status !== expected) throw new Error(`open session: expected ${expected}, got ${response.status}`);
  return { status: response.status, ...(await json(response)) };
}

export async function executorState(caller: Caller, agent: AgentName = 'assistant') {
  return expectStatus(200, 'GET', `/agents/${agent}/executor`, { caller });
}

const COUNTED_TABLES = ['users', 'auth_sessions', 'chats', 'chat_sessions', 'chat_messages', 'agent_instructions', 'agent_memories', 'tasks'];

/**
 * Counts every row written to D1 from now on, with SQLite triggers that log each insert,
 * update and delete: the honest way to prove a path does (or does not) write D1.
 */
export async function installWriteCounter(): Promise<void> {
  // The directory and every shard: a write anywhere is seen (SPEC §17).
  for (const d1 of [env.DB, ...shardBindingsOf(env)]) {
    const tables = (await d1.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>()).results.map((r) => r.name);
    const statements = [d1.prepare('CREATE TABLE IF NOT EXISTS test_write_log (tbl TEXT NOT NULL, op TEXT NOT NULL)')];
    for (const table of COUNTED_TABLES.filter((t) => tables.includes(t))) {
      for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
        statements.push(
          d1.prepare(
            `CREATE TRIGGER IF NOT EXISTS count_${table}_${op.toLowerCase()} AFTER ${op} ON ${table} BEGIN INSERT INTO test_write_log VALUES ('${table}', '${op}'); END`,
          ),
        );
      }
    }
    await d1.batch(statements);
  }
}

/** Rows written to D1 — the directory and every shard — (per table, optionally) since installWriteCounter. */
export async function d1Writes(table?: string): Promise<number> {
  let total = 0;
  for (const d1 of [env.DB, ...shardBindingsOf(env)]) {
    const row = table
      ? await d1.prepare('SELECT count(*) AS n FROM test_write_log WHERE tbl = ?').bind(table).first<{ n: number }>()
      : await d1.prepare('SELECT count(*) AS n FROM test_write_log').first<{ n: number }>();
    total += row!.n;
  }
  return total;
}

export async function sessionRow(id: string) {
  const [row] = await rowsOnShards<{ is_active: number; end_reason: string | null; last_heartbeat_at: number; chat_id: string }>('SELECT * FROM chat_sessions WHERE id = ?', id);
  return row ?? null;
}

/** Inserts `count` finished messages straight into D1, as earlier turns would have left them. */
export async function seedMessages(chatId: string, count: number, startSeq = 1) {
  const shard = await shardOfChat(chatId);
  const statements = [];
  for (let i = 0; i < count; i++) {
    const seq = startSeq + i;
    statements.push(
      shard.prepare("INSERT INTO chat_messages (id, chat_id, seq, role, content, status, created_at) VALUES (?, ?, ?, ?, ?, 'complete', ?)").bind(
        crypto.randomUUID(),
        chatId,
        seq,
        seq % 2 ? 'user' : 'assistant',
        `message ${seq}`,
        Date.now() + seq,
      ),
    );
  }
  for (let i = 0; i < statements.length; i += 500) await shard.batch(statements.slice(i, i + 500));
}
