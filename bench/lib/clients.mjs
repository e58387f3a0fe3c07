// Timed clients: one app turn (our SSE events), one floor turn (the model's raw SSE), one
// AIChatAgent turn (its WebSocket protocol), and plain JSON requests. Times are milliseconds
// from just before fetch() / send() to the chunk or frame that carried the event, on this
// process's monotonic clock.
import { randomUUID } from 'node:crypto';

const TURN_TIMEOUT_MS = 30_000;

/** Epoch milliseconds (fractional) for a performance.now() reading, to compare with Date.now() stamps. */
export const epochOf = (perfMs) => performance.timeOrigin + perfMs;

/**
 * The D1 statements the Worker issued for a response: the `d1;desc=<n>` entry of its
 * `Server-Timing` header (null when the app does not send one).
 */
export function d1StatementsOf(serverTiming) {
  const n = /(?:^|,)\s*d1;desc="?(\d+)"?\s*(?:,|$)/.exec(serverTiming ?? '')?.[1];
  return n === undefined ? null : Number(n);
}

export class Api {
  constructor(baseUrl) {
    this.baseUrl = baseUrl;
  }

  async json(method, path, { token, body, expect = [200, 201, 204] } = {}) {
    const headers = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const t0 = performance.now();
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TURN_TIMEOUT_MS),
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    if (!expect.includes(res.status)) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
    return { status: res.status, ms, d1: d1StatementsOf(res.headers.get('server-timing')), data: text ? JSON.parse(text) : null };
  }
}

/** Splits complete SSE blocks off `buffer`; returns [blocks, rest]. */
function takeBlocks(buffer) {
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop() ?? '';
  return [blocks.filter((b) => b.trim()), rest];
}

function parseBlock(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return { event, data: data.join('\n') };
}

/**
 * POSTs `body` and hands each SSE event of the answer to `onEvent(event, data, at)`, `at` being
 * milliseconds since `t0` at the chunk that carried it. Records the status, a non-200 answer as
 * the error (then returns false) and the stream's end on `result`.
 */
async function streamEvents(url, { token, body, t0, result }, onEvent) {
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(TURN_TIMEOUT_MS) });
  result.status = res.status;
  result.serverTiming = res.headers.get('server-timing');
  if (res.status !== 200) {
    result.error = `HTTP ${res.status} ${(await res.text()).slice(0, 200)}`;
    return false;
  }
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body) {
    const at = performance.now() - t0;
    buffer += decoder.decode(chunk, { stream: true });
    const [blocks, rest] = takeBlocks(buffer);
    buffer = rest;
    for (const block of blocks) {
      const { event, data } = parseBlock(block);
      onEvent(event, data, at);
    }
  }
  result.endMs = performance.now() - t0;
  return true;
}

/**
 * One turn of the app: POST /api/chats/:id/messages as SSE. Returns the client-side times of
 * the first and last `delta`, of `user_message` and of the stream's end, the text, the stored
 * reply's server timings and any error. Never throws for an HTTP or stream error: it reports it.
 */
export async function appTurn(baseUrl, { token, chatId, sessionId, content }) {
  const t0 = performance.now();
  const result = {
    ok: false,
    status: 0,
    sentAt: epochOf(t0),
    ackMs: null,
    ttftMs: null,
    lastTokenMs: null,
    endMs: null,
    text: '',
    deltas: 0,
    timings: null,
    serverTiming: null,
    error: null,
  };
  try {
    let done = false;
    const answered = await streamEvents(
      `${baseUrl}/api/chats/${chatId}/messages`,
      { token, body: sessionId ? { content, sessionId } : { content }, t0, result },
      (event, data, at) => {
        if (event === 'user_message') result.ackMs ??= at;
        else if (event === 'delta') {
          result.ttftMs ??= at;
          result.lastTokenMs = at;
          result.deltas += 1;
          result.text += JSON.parse(data).text;
        } else if (event === 'assistant_message') {
          // timings.stages and timings.d1BeforeFirstToken arrive with SPEC §12.4; absent before it.
          result.timings = JSON.parse(data).message?.timings ?? null;
        } else if (event === 'error') result.error = `error event ${data}`;
        else if (event === 'done') done = true;
      },
    );
    if (!answered) return result;
    if (!done && !result.error) result.error = 'stream ended without done';
    if (result.ttftMs === null && !result.error) result.error = 'no delta';
    result.ok = result.error === null;
  } catch (error) {
    result.error = String(error?.message ?? error);
  }
  return result;
}

/** One floor turn: POST / to the floor Worker, timing the model's own content chunks. */
export async function floorTurn(baseUrl, { content, path = '/' }) {
  const t0 = performance.now();
  const result = { ok: false, status: 0, sentAt: epochOf(t0), ttftMs: null, lastTokenMs: null, endMs: null, text: '', deltas: 0, error: null };
  try {
    let done = false;
    const answered = await streamEvents(`${baseUrl}${path}`, { body: { content }, t0, result }, (_event, data, at) => {
      if (data === '[DONE]') {
        done = true;
        return;
      }
      const text = JSON.parse(data).choices?.[0]?.delta?.content;
      if (text) {
        result.ttftMs ??= at;
        result.lastTokenMs = at;
        result.deltas += 1;
        result.text += text;
      }
    });
    if (!answered) return result;
    if (!done) result.error = 'stream ended without [DONE]';
    result.ok = result.error === null && result.ttftMs !== null;
  } catch (error) {
    result.error = String(error?.message ?? error);
  }
  return result;
}

/**
 * A bare timed request (probes): resolves to milliseconds, throws on an unexpected status.
 * With `d1` (an array), also pushes the Worker's D1 statement count for the response onto it.
 */
export async function timedFetch(url, { method = 'GET', token, body, expect = [200], d1 } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const t0 = performance.now();
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(TURN_TIMEOUT_MS) });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (!expect.includes(res.status)) throw new Error(`${method} ${url} → ${res.status}`);
  d1?.push(d1StatementsOf(res.headers.get('server-timing')));
  return ms;
}

const shortId = () => randomUUID().replaceAll('-', '').slice(0, 16);

/**
 * One chat of the Agents SDK's AIChatAgent (bench/aichat/), driven the way its client
 * (`useAgentChat` → `WebSocketChatTransport`) drives it: one WebSocket per chat, opened once;
 * the transcript fetched from `get-messages` on connect; each turn sends the whole conversation
 * plus the new user message as a `cf_agent_use_chat_request` frame and reads
 * `cf_agent_use_chat_response` frames, each carrying one AI SDK UI message chunk, until `done`.
 * The reply joins the transcript under the message id of its `start` chunk, as useChat keeps it.
 */
export class AiChatClient {
  /** Opens the chat's socket; resolves once it is open and the transcript has been read. */
  static async connect(baseUrl, name) {
    const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/agents/bench-chat/${encodeURIComponent(name)}`;
    const ws = new WebSocket(wsUrl);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`AIChatAgent socket ${name}: no open in ${TURN_TIMEOUT_MS} ms`)), TURN_TIMEOUT_MS);
      ws.addEventListener('open', () => (clearTimeout(timer), resolve()), { once: true });
      ws.addEventListener('error', (e) => (clearTimeout(timer), reject(new Error(`AIChatAgent socket ${name}: ${e.message ?? 'error'}`))), { once: true });
    });
    const client = new AiChatClient(ws, name);
    const res = await fetch(`${baseUrl}/agents/bench-chat/${encodeURIComponent(name)}/get-messages`, { signal: AbortSignal.timeout(TURN_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`AIChatAgent get-messages ${name} → ${res.status}`);
    client.messages = await res.json();
    // useAgentChat asks whether a reply is still streaming once its handler is ready.
    ws.send(JSON.stringify({ type: 'cf_agent_stream_resume_request', probeId: shortId().slice(0, 8) }));
    return client;
  }

  constructor(ws, name) {
    this.ws = ws;
    this.name = name;
    this.messages = [];
    /** The turn in flight (one at a time per chat, like a person typing). */
    this.pending = null;
    ws.addEventListener('message', (event) => this.pending?.onFrame(String(event.data), performance.now()));
    ws.addEventListener('close', () => this.pending?.onClose());
  }

  /** One turn; never throws for a protocol or stream error: it reports it, like appTurn. */
  turn(content) {
    if (this.pending) throw new Error(`AIChatAgent chat ${this.name}: a turn is already in flight`);
    const requestId = shortId().slice(0, 8);
    const userMessage = { id: shortId(), role: 'user', parts: [{ type: 'text', text: content }] };
    const body = JSON.stringify({ messages: [...this.messages, userMessage], trigger: 'submit-message' });
    const frame = JSON.stringify({ id: requestId, init: { method: 'POST', body }, type: 'cf_agent_use_chat_request' });
    return new Promise((resolve) => {
      const t0 = performance.now();
      const result = { ok: false, status: 0, sentAt: epochOf(t0), ttftMs: null, lastTokenMs: null, endMs: null, text: '', deltas: 0, error: null };
      let replyId = null;
      const finish = (error) => {
        clearTimeout(timer);
        this.pending = null;
        result.error = error;
        if (!error && result.ttftMs === null) result.error = 'no text-delta';
        result.ok = result.error === null;
        if (result.ok) {
          this.messages.push(userMessage, {
            id: replyId ?? shortId(),
            role: 'assistant',
            parts: [{ type: 'step-start' }, { type: 'text', text: result.text, state: 'done' }],
          });
        }
        resolve(result);
      };
      const timer = setTimeout(() => finish(`no done in ${TURN_TIMEOUT_MS} ms`), TURN_TIMEOUT_MS);
      this.pending = {
        onClose: () => finish('socket closed mid-turn'),
        onFrame: (data, now) => {
          let msg;
          try {
            msg = JSON.parse(data);
          } catch {
            return;
          }
          if (msg.type !== 'cf_agent_use_chat_response' || msg.id !== requestId) return;
          const at = now - t0;
          if (msg.error) return finish(`error frame: ${String(msg.body).slice(0, 200)}`);
          if (msg.body?.trim()) {
            let chunk;
            try {
              chunk = JSON.parse(msg.body);
            } catch {
              return finish(`unparseable chunk: ${String(msg.body).slice(0, 200)}`);
            }
            if (chunk.type === 'start') replyId = chunk.messageId ?? null;
            else if (chunk.type === 'text-delta' && chunk.delta) {
              result.ttftMs ??= at;
              result.lastTokenMs = at;
              result.deltas += 1;
              result.text += chunk.delta;
            } else if (chunk.type === 'error') return finish(`error chunk: ${chunk.errorText}`);
          }
          if (msg.done) {
            if (msg.outcome && msg.outcome !== 'completed') return finish(`turn ended ${msg.outcome}`);
            result.status = 200;
            result.endMs = at;
            finish(null);
          }
        },
      };
      this.ws.send(frame);
    });
  }

  close() {
    this.ws.close();
  }
}
