/**
 * The abuse suite, security part (SPEC §13; the schema-driven part is test/abuse.test.ts): an
 * attacker forges and replays tokens, floods sign-up, tries to lock the victim out and sends
 * malformed URLs, all with the limits as wrangler.toml ships them. No answer may be a 5xx,
 * the victim's data must be exactly as it was, and the victim must still get in.
 */
import { shardOf } from './shard-helpers';
import { env, exports } from 'cloudflare:workers';
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectStatus, json, ORIGIN, signUp, uniqueEmail } from './helpers';
import type { Caller } from './helpers';
import { newChat, streamTurn } from './turn-helpers';

const JWT_SECRET = 'abuse-suite-jwt-secret-0123456789abcdef';
const PASSWORD = 'correct horse battery';
const vars = env as unknown as Record<string, string | undefined>;
const statuses: { label: string; status: number }[] = [];

let victim: Caller;
let victimTaskId: string;
let victimChatId: string;
let before: string;

async function record(label: string, response: Promise<Response> | Response): Promise<Response> {
  const r = await response;
  statuses.push({ label, status: r.status });
  return r;
}

/** Everything the victim owns, as D1 holds it (login bookkeeping aside). */
async function victimData(userId: string): Promise<string> {
  const tables = ['tasks', 'chats', 'chat_sessions', 'agent_memories', 'agent_instructions'];
  const rows: Record<string, unknown> = {};
  const shard = await shardOf(userId);
  for (const table of tables) rows[table] = (await shard.prepare(`SELECT * FROM ${table} WHERE user_id = ? ORDER BY rowid`).bind(userId).all()).results;
  rows.messages = (
    await shard.prepare('SELECT m.* FROM chat_messages m JOIN chats c ON c.id = m.chat_id WHERE c.user_id = ? ORDER BY m.id').bind(userId).all()
  ).results;
  rows.user = await env.DB.prepare('SELECT id, email, password_hash FROM users WHERE id = ?').bind(userId).first();
  rows.logins = (await env.DB.prepare('SELECT id, user_id, created_at FROM auth_sessions WHERE user_id = ? ORDER BY id').bind(userId).all()).results;
  return JSON.stringify(rows);
}

const b64url = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const nowS = () => Math.floor(Date.now() / 1000);

/** Requests that would read or change the victim's data. */
function victimTargets(): [string, string, unknown?][] {
  return [
    ['GET', '/auth/me'],
    ['GET', '/tasks'],
    ['GET', `/tasks/${victimTaskId}`],
    ['PATCH', `/tasks/${victimTaskId}`, { title: 'owned' }],
    ['DELETE', `/tasks/${victimTaskId}`],
    ['GET', `/chats/${victimChatId}/messages`],
    ['PATCH', `/chats/${victimChatId}`, { title: 'owned' }],
    ['DELETE', `/chats/${victimChatId}`],
    ['POST', `/chats/${victimChatId}/messages`, { content: 'hijack' }],
    ['POST', '/agents/assistant/memories', { content: 'planted' }],
  ];
}

beforeAll(async () => {
  victim = await signUp('victim');
  victimTaskId = (await expectStatus(201, 'POST', '/tasks', { caller: victim, body: { title: 'victim task' } })).task.id;
  victimChatId = await newChat(victim);
  await streamTurn(victim, victimChatId, 'hello from the victim');
  await expectStatus(201, 'POST', '/agents/assistant/memories', { caller: victim, body: { content: 'victim memory' } });
  before = await victimData(victim.userId);
  vars.AUTH_JWT_SECRET = JWT_SECRET;
});

afterAll(() => {
  delete vars.AUTH_JWT_SECRET;
});

describe('the security abuse suite', () => {
  it('forged, expired and exp-less JWTs, and tampered login tokens, are all 401', async () => {
    const sub = victim.userId;
    const claims = { sub, aud: 'authenticated', exp: nowS() + 600 };
    const forged: Record<string, string> = {
      'wrong secret': await sign(claims, 'not-the-secret-0000000000000000000000', 'HS256'),
      'alg none': `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`,
      'HS512 with the secret': await sign(claims, JWT_SECRET, 'HS512'),
      expired: await sign({ ...claims, exp: nowS() - 5 }, JWT_SECRET, 'HS256'),
      'no exp': await sign({ sub, aud: 'authenticated' }, JWT_SECRET, 'HS256'),
      'wrong audience': await sign({ ...claims, aud: 'anon' }, JWT_SECRET, 'HS256'),
      'not yet valid': await sign({ ...claims, nbf: nowS() + 600 }, JWT_SECRET, 'HS256'),
    };
    // A login token whose claims name the victim, under the attacker's own valid signature.
    const attacker = await signUp('attacker');
    const [prefix, payload, signature] = attacker.token.split('.');
    const claimsOfAttacker = JSON.parse(atob(payload!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    forged['login token with the victim’s id'] = `${prefix}.${b64url({ ...claimsOfAttacker, uid: victim.userId, email: victim.email })}.${signature}`;
    forged['login token, signature stripped'] = `${prefix}.${payload}.`;

    for (const [label, token] of Object.entries(forged)) {
      for (const [method, path, body] of victimTargets()) {
        const response = await record(`${label}: ${method} ${path}`, call(method, path, { headers: { Authorization: `Bearer ${token}` }, body }));
        expect(response.status, `${label}: ${method} ${path}`).toBe(401);
      }
    }
  });

  it('a sign-up flood from one address stops at SIGNUPS_PER_HOUR, and so does probing which emails exist', async () => {
    const limit = Number(env.SIGNUPS_PER_HOUR);
    const ip = '198.18.0.1';
    const answers: number[] = [];
    for (let i = 0; i < limit + 15; i++) {
      // Every third attempt probes the victim's email: a 409 would say it has an account.
      const email = i % 3 === 0 ? victim.email : uniqueEmail('flood');
      answers.push(
        (await record('signup flood', call('POST', '/auth/signup', { body: { email, password: PASSWORD }, headers: { 'CF-Connecting-IP': ip } }))).status,
      );
    }
    expect(answers.slice(0, limit).every((s) => s === 201 || s === 409)).toBe(true);
    expect(answers.slice(limit)).toEqual(Array(15).fill(429));
  });

  it('failing on purpose against the victim’s email, from one place or several, never locks the victim out', async () => {
    const perPlace = Number(env.LOGIN_ATTEMPTS_PER_HOUR_EMAIL_IP);
    for (const ip of ['198.18.1.1', '198.18.1.2', '198.18.1.3']) {
      const answers: number[] = [];
      for (let i = 0; i < perPlace + 10; i++) {
        const r = await record(
          'lockout attempt',
          call('POST', '/auth/login', { body: { email: victim.email, password: `wrong guess ${i}` }, headers: { 'CF-Connecting-IP': ip } }),
        );
        answers.push(r.status);
      }
      expect(answers.slice(0, perPlace).every((s) => s === 401)).toBe(true);
      expect(answers.slice(perPlace).every((s) => s === 429)).toBe(true);
    }
    const login = await record(
      'victim login',
      call('POST', '/auth/login', { body: { email: victim.email, password: PASSWORD }, headers: { 'CF-Connecting-IP': victim.ip } }),
    );
    expect(login.status).toBe(200);
    // That new login is the victim's own; keep the snapshot about everything else.
    const { token } = await json(login);
    await expectStatus(204, 'POST', '/auth/logout', { caller: { ...victim, token } });
  });

  it('malformed URLs are 400s, with or without the victim’s credentials', async () => {
    const paths = [
      '/%E0',
      '/%',
      '/%%',
      '/tasks/%E0',
      `/tasks/${victimTaskId}%E0`,
      '/chats/%C0%AF',
      `/chats/${victimChatId}/%FF/messages`,
      '/sessions/%E0/heartbeat',
      '/agents/%E0/memories',
      '/auth/%E0',
      '/tasks?status=%E0%A4',
    ];
    for (const path of paths) {
      for (const caller of [victim, null]) {
        for (const method of ['GET', 'POST', 'DELETE']) {
          const headers = new Headers({ Origin: ORIGIN, 'CF-Connecting-IP': '198.18.2.1' });
          if (caller) headers.set('Authorization', `Bearer ${caller.token}`);
          const response = await record(`malformed ${method} ${path}`, exports.default.fetch(new Request(`${ORIGIN}/api${path}`, { method, headers })));
          expect(response.status, `${method} ${path}`).toBe(400);
          expect((await json(response)).error.code).toBe('bad_request');
        }
      }
    }
  });

  it('ends with no 5xx, the victim’s data unchanged, and the victim still signed in', async () => {
    const failures = statuses.filter((s) => s.status >= 500);
    expect(failures).toEqual([]);
    expect(statuses.length).toBeGreaterThan(200);
    expect(await victimData(victim.userId)).toBe(before);
    await expectStatus(200, 'GET', '/auth/me', { caller: victim });
  });
});
