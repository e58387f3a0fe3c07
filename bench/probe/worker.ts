/**
 * Hot-path anatomy probe for bench/run.mjs. Each route does ONE ingredient of a chat turn so the
 * benchmark can price it on this machine and runtime:
 *   GET  /noop            nothing (the Worker hop itself)
 *   GET  /d1?n=N          N sequential D1 round trips (SELECT 1)
 *   GET  /d1-auth?n=N     N sequential D1 reads shaped like the app's auth lookup (hash + join)
 *   GET  /rl?n=N          N rate-limit binding calls
 *   GET  /do?n=N          N sequential Durable Object RPC round trips
 *   GET  /do-sql?n=N      one RPC doing N storage.sql INSERTs (the outbox write)
 *   POST /pipe-do         the model's SSE fetched inside a DO and returned through RPC as a stream
 *   POST /pipe-do-write   the same after one storage.sql INSERT (the output gate holds the fetch)
 *   POST /pipe-do-write-alarm  the same after an INSERT and a setAlarm
 *   POST /sdk             the model called with the openai SDK (stream:true), deltas re-emitted as SSE
 * Every route answers `{ms, n}` (Worker-side ms for the whole loop) or a stream.
 */
import { DurableObject } from 'cloudflare:workers';
import OpenAI from 'openai';

interface ProbeEnv {
  MOCK_URL: string;
  DB: D1Database;
  PROBE: DurableObjectNamespace<ProbeObject>;
  RL: { limit(options: { key: string }): Promise<{ success: boolean }> };
}

function modelBody(content: string) {
  return JSON.stringify({ model: 'mock-model', stream: true, messages: [{ role: 'user', content }] });
}

async function fetchModel(env: ProbeEnv, content: string): Promise<Response> {
  return fetch(`${env.MOCK_URL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer probe' },
    body: modelBody(content),
  });
}

export class ProbeObject extends DurableObject<ProbeEnv> {
  constructor(ctx: DurableObjectState, env: ProbeEnv) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL)');
  }

  ping(): number {
    return Date.now();
  }

  writeRows(n: number): number {
    const t = Date.now();
    for (let i = 0; i < n; i++)
      this.ctx.storage.sql.exec('INSERT INTO outbox (entry) VALUES (?)', JSON.stringify({ kind: 'message', i, text: 'x'.repeat(200) }));
    this.ctx.storage.sql.exec('DELETE FROM outbox');
    return Date.now() - t;
  }

  /** `before`: nothing, a storage write (output gate), or a write plus setAlarm — then the model call. */
  async pipe(content: string, before: 'none' | 'write' | 'write+alarm' = 'none'): Promise<ReadableStream<Uint8Array>> {
    if (before !== 'none') this.ctx.storage.sql.exec('INSERT INTO outbox (entry) VALUES (?)', JSON.stringify({ kind: 'message', text: content }));
    if (before === 'write+alarm') await this.ctx.storage.setAlarm(Date.now() + 60_000 + Math.random());
    const upstream = await fetchModel(this.env, content);
    return upstream.body!;
  }

  override async alarm(): Promise<void> {
    this.ctx.storage.sql.exec('DELETE FROM outbox');
  }
}

const SETUP = [
  'CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS auth_sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL)',
  "INSERT OR IGNORE INTO users VALUES ('u1', 'probe@bench.test')",
];
let ready: Promise<unknown> | null = null;

async function loop(n: number, fn: (i: number) => Promise<unknown>): Promise<Response> {
  const t = Date.now();
  for (let i = 0; i < n; i++) await fn(i);
  return Response.json({ ms: Date.now() - t, n });
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export default {
  async fetch(request: Request, env: ProbeEnv): Promise<Response> {
    const url = new URL(request.url);
    const n = Math.min(200, Math.max(1, Number(url.searchParams.get('n') ?? 1)));
    const stub = env.PROBE.getByName('probe');
    ready ??= env.DB.batch(SETUP.map((s) => env.DB.prepare(s)));
    await ready;
    switch (`${request.method} ${url.pathname}`) {
      case 'GET /noop':
        return Response.json({ ms: 0, n: 0 });
      case 'GET /d1':
        return loop(n, () => env.DB.prepare('SELECT 1 AS one').first());
      case 'GET /d1-auth':
        return loop(n, async (i) => {
          const id = await sha256Hex(`token-${i}`);
          await env.DB.prepare('INSERT OR IGNORE INTO auth_sessions VALUES (?, ?, ?, ?)')
            .bind(id, 'u1', Date.now() + 1e9, Date.now())
            .run();
          return env.DB.prepare(
            'SELECT u.id, u.email, s.last_seen_at FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.expires_at > ? LIMIT 1',
          )
            .bind(id, Date.now())
            .first();
        });
      case 'GET /rl':
        return loop(n, () => env.RL.limit({ key: 'probe' }));
      case 'GET /do':
        return loop(n, () => stub.ping());
      case 'GET /do-sql':
        return Response.json({ ms: await stub.writeRows(n), n });
      case 'POST /pipe-do':
      case 'POST /pipe-do-write':
      case 'POST /pipe-do-write-alarm': {
        const { content } = (await request.json()) as { content?: string };
        const before = url.pathname === '/pipe-do' ? 'none' : url.pathname === '/pipe-do-write' ? 'write' : 'write+alarm';
        return sse(await stub.pipe(content ?? '', before));
      }
      case 'POST /sdk': {
        const { content } = (await request.json()) as { content?: string };
        return sse(sdkStream(env, content ?? ''));
      }
      default:
        return new Response('not found', { status: 404 });
    }
  },
};

function sse(body: ReadableStream<Uint8Array>): Response {
  return new Response(body, { headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform' } });
}

let client: OpenAI | null = null;

/** The model's reply through the openai SDK, re-emitted in the model's own SSE shape. */
function sdkStream(env: ProbeEnv, content: string): ReadableStream<Uint8Array> {
  client ??= new OpenAI({ apiKey: 'probe', baseURL: env.MOCK_URL, maxRetries: 0 });
  const encoder = new TextEncoder();
  const c = client;
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const stream = await c.chat.completions.create({
        model: 'mock-model',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content }],
      });
      for await (const chunk of stream) controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
      controller.enqueue(encoder.encode('data: [DONE]\n\n'));
      controller.close();
    },
  });
}
