/**
 * SPEC §13: logs never contain passwords, password hashes, tokens or message contents. Each
 * test provokes a real failure — D1 refusing a write (an injected trigger), the model failing
 * mid-turn, a tool failing — with the console spied, and reads everything that was logged.
 */
import { execWhere } from './shard-helpers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scrubText } from '../src/shared/safe-log';
import { call, executorStub, openSession, signUp, uniqueEmail } from './helpers';
import { marker, newChat, streamTurn } from './turn-helpers';

const PASSWORD = 'correct horse battery';
const METHODS = ['error', 'warn', 'log', 'info', 'debug'] as const;
let logged: string[] = [];

beforeEach(() => {
  logged = [];
  for (const method of METHODS) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    });
  }
});

const TRIGGERS: string[] = [];
const TRIGGER_TABLES = new Map<string, string>();
async function failWrites(table: string, op: 'INSERT' | 'UPDATE') {
  const name = `fail_${table}_${op.toLowerCase()}`;
  TRIGGERS.push(name);
  TRIGGER_TABLES.set(name, table);
  await execWhere(table, `CREATE TRIGGER ${name} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
}

afterEach(async () => {
  for (const name of TRIGGERS.splice(0)) await execWhere(TRIGGER_TABLES.get(name)!, `DROP TRIGGER IF EXISTS ${name}`);
  vi.restoreAllMocks();
});

/** Everything logged, which must have been something, and none of the secrets. */
function expectLogsFreeOf(secrets: string[]) {
  expect(logged.length, 'the failure was logged').toBeGreaterThan(0);
  const text = logged.join('\n').toLowerCase();
  for (const secret of secrets) expect(text, `logs contain ${secret}`).not.toContain(secret.toLowerCase());
  expect(text).not.toMatch(/pbkdf2/);
  expect(text).not.toMatch(/ce1\.[\w-]+\.[\w-]+/);
}

describe('logs stay free of secrets and contents', () => {
  it('when D1 refuses a sign-up: no password, no hash, no email', async () => {
    await failWrites('users', 'INSERT');
    const email = uniqueEmail('logged');
    const response = await call('POST', '/auth/signup', { body: { email, password: PASSWORD }, headers: { 'CF-Connecting-IP': '192.0.2.50' } });
    expect(response.status).toBe(500);
    expectLogsFreeOf([PASSWORD, email]);
  });

  it('when D1 refuses a chat rename: no title (a user’s own words), no token', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const title = `private ${marker()} plans`;
    await failWrites('chats', 'UPDATE');
    const response = await call('PATCH', `/chats/${chatId}`, { caller, body: { title } });
    expect(response.status).toBe(500);
    expectLogsFreeOf([title, caller.token]);
  });

  it('when the model fails mid-turn, and when a tool fails: no message text, no task title', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const cut = `private ${marker()} words [[fault:cut]]`;
    const malformed = `private ${marker()} words [[fault:malformed]]`;
    for (const content of [cut, malformed]) {
      const events = await streamTurn(caller, chatId, content);
      expect(events.some((e) => e.event === 'error')).toBe(true);
    }
    const title = `secret ${marker()} errand`;
    await failWrites('tasks', 'INSERT');
    const events = await streamTurn(caller, chatId, `remind me to ${title}`);
    expect(events.find((e) => e.event === 'tool_result')?.data.result).toMatch(/failed/);
    expectLogsFreeOf([cut.slice(0, 20), malformed.slice(0, 20), title, caller.token]);
  });

  it('an unexpected executor error crosses RPC already scrubbed of its query parameters', async () => {
    const caller = await signUp();
    const secret = `note ${marker()} text`;
    const chatId = (await openSession(caller)).chat.id;
    await failWrites('chats', 'UPDATE');
    const error = await executorStub(caller)
      .updateChat(chatId, { title: secret })
      .then(() => null)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).not.toContain(secret);
    expect(String((error as Error).stack)).not.toContain(secret);
  });
});

describe('scrubText', () => {
  it('withholds a failed query’s SQL and parameters, hashes, tokens and echoed input', () => {
    expect(scrubText('Failed query: insert into "users" values (?, ?)\nparams: a,b,pbkdf2-sha256$100000$c2FsdA==$aGFzaA==')).toBe(
      'Failed query (SQL and parameters withheld)',
    );
    expect(scrubText('bad hash pbkdf2-sha256$100000$c2FsdA==$aGFzaA== here')).toBe('bad hash [hash] here');
    expect(scrubText('token ce1.eyJzaWQiOiJ4In0.c2lnbmF0dXJl rejected')).toBe('token [token] rejected');
    expect(scrubText('jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig rejected')).toBe('jwt [token] rejected');
    expect(scrubText('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [token]');
    expect(scrubText(`Unexpected token 'x', "my secret diary entry" is not valid JSON`)).toBe(`Unexpected token 'x', "…" is not valid JSON`);
    expect(scrubText('D1_ERROR: UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT')).toBe(
      'D1_ERROR: UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT',
    );
  });
});
