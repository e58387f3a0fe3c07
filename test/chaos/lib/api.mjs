// HTTP as the simulated clients speak it: JSON requests with a Bearer token, and a turn as
// Server-Sent Events read event by event, so a client can act mid-stream (stop, drop). Never
// throws for the failures chaos causes; it answers what happened, and the caller decides.
import { createParser } from 'eventsource-parser';

const REQUEST_TIMEOUT_MS = 20_000;
/** Long enough for a hung model's three attempts (OPENAI_TIMEOUT_MS × 3) and a slow reply. */
const TURN_TIMEOUT_MS = 90_000;

/** @typedef {{ ok: boolean, status: number, data: any, code: string | null, retryAfterS: number | null, networkError: string | null }} Answer */

export class Api {
  constructor(baseUrl) {
    this.baseUrl = baseUrl;
  }

  /** @returns {Promise<Answer>} */
  async request(method, path, { token, body, timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
    const headers = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    let text;
    try {
      res = await fetch(`${this.baseUrl}/api${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (error) {
      return { ok: false, status: 0, data: null, code: null, retryAfterS: null, networkError: describe(error) };
    }
    return answerOf(res, text);
  }

  /**
   * One turn as SSE. `onEvent(event, data)` sees each event as it arrives; `controller` lets
   * the caller drop the stream. Answers the HTTP failure, or the events and whether the stream
   * ended with `done` (a killed server or a dropped client leaves it unfinished).
   */
  async turn({ token, chatId, body, controller, onEvent }) {
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(TURN_TIMEOUT_MS)]);
    const headers = { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` };
    let res;
    try {
      res = await fetch(`${this.baseUrl}/api/chats/${encodeURIComponent(chatId)}/messages`, { method: 'POST', headers, body: JSON.stringify(body), signal });
    } catch (error) {
      return { answer: { ok: false, status: 0, data: null, code: null, retryAfterS: null, networkError: describe(error) }, finished: false, streamError: null };
    }
    if (res.status !== 200) {
      let text = '';
      try {
        text = await res.text();
      } catch {
        // the body died with the server; the status says enough
      }
      return { answer: answerOf(res, text), finished: false, streamError: null };
    }
    let finished = false;
    const parser = createParser({
      onEvent: (e) => {
        let data;
        try {
          data = JSON.parse(e.data);
        } catch {
          data = { unparsable: e.data };
        }
        if (e.event === 'done') finished = true;
        onEvent(e.event, data);
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) parser.feed(decoder.decode(chunk, { stream: true }));
      return {
        answer: { ok: true, status: 200, data: null, code: null, retryAfterS: null, networkError: null },
        finished,
        streamError: finished ? null : 'stream ended without done',
      };
    } catch (error) {
      return { answer: { ok: true, status: 200, data: null, code: null, retryAfterS: null, networkError: null }, finished, streamError: describe(error) };
    }
  }
}

function answerOf(res, text) {
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { unparsable: text.slice(0, 200) };
  }
  const retryAfter = Number(res.headers.get('retry-after'));
  return {
    ok: res.ok,
    status: res.status,
    data,
    code: data?.error?.code ?? null,
    retryAfterS: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    networkError: null,
  };
}

function describe(error) {
  const cause = error?.cause?.code ?? error?.cause?.message;
  return `${error?.name ?? 'Error'}: ${error?.message ?? error}${cause ? ` (${cause})` : ''}`;
}
