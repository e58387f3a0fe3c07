// Timed HTTP clients: one app turn (our SSE events), one floor turn (the model's raw SSE), and
// plain JSON requests. Times are milliseconds from just before fetch() to the chunk that
// carried the event, on this process's monotonic clock.
const TURN_TIMEOUT_MS = 30_000;

/** Epoch milliseconds (fractional) for a performance.now() reading, to compare with Date.now() stamps. */
export const epochOf = (perfMs) => performance.timeOrigin + perfMs;

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
    return { status: res.status, ms, data: text ? JSON.parse(text) : null };
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
        } else if (event === 'assistant_message') result.timings = JSON.parse(data).message?.timings ?? null;
        else if (event === 'error') result.error = `error event ${data}`;
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

/** A bare timed request (probes): resolves to milliseconds, throws on an unexpected status. */
export async function timedFetch(url, { method = 'GET', token, body, expect = [200] } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const t0 = performance.now();
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(TURN_TIMEOUT_MS) });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (!expect.includes(res.status)) throw new Error(`${method} ${url} → ${res.status}`);
  return ms;
}
