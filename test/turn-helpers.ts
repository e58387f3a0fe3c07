/** Sending turns and reading their SSE events, as a client would. */
import { rowsOnShards } from './shard-helpers';
import { expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { createParser } from 'eventsource-parser';
import { call, expectStatus, openSession } from './helpers';
import type { AgentName, Caller } from './helpers';

export interface SseEvent {
  event: string;
  data: any;
}

export async function readEvents(response: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: (e) => events.push({ event: e.event ?? 'message', data: JSON.parse(e.data) }) });
  parser.feed(await response.text());
  return events;
}

export function sendStreaming(caller: Caller, chatId: string, content: string, extra: Record<string, unknown> = {}) {
  return call('POST', `/chats/${chatId}/messages`, { caller, body: { content, ...extra }, headers: { Accept: 'text/event-stream' } });
}

export async function streamTurn(caller: Caller, chatId: string, content: string, extra: Record<string, unknown> = {}): Promise<SseEvent[]> {
  const response = await sendStreaming(caller, chatId, content, extra);
  if (response.status !== 200) throw new Error(`turn: ${response.status} ${await response.text()}`);
  expect(response.headers.get('Content-Type')).toMatch(/^text\/event-stream/);
  return readEvents(response);
}

export async function newChat(caller: Caller, agent: AgentName = 'assistant'): Promise<string> {
  return (await openSession(caller, { agent, clientInstanceId: crypto.randomUUID() })).chat.id;
}

export async function storedMessages(chatId: string) {
  return rowsOnShards<any>('SELECT * FROM chat_messages WHERE chat_id = ? ORDER BY seq', chatId);
}

interface RequestLog {
  requests: any[];
  statuses: (number | null)[];
}

async function requestLog(marker: string): Promise<RequestLog> {
  const base = env.OPENAI_BASE_URL.replace(/\/v1\/?$/, '');
  const response = await fetch(`${base}/__requests?contains=${encodeURIComponent(marker)}`);
  return (await response.json()) as RequestLog;
}

/** The requests the mock model received that contain `marker`, oldest first. */
export async function modelRequests(marker: string): Promise<any[]> {
  return (await requestLog(marker)).requests;
}

/** The HTTP status the mock model answered each of those requests with (null: not answered yet). */
export async function modelStatuses(marker: string): Promise<(number | null)[]> {
  return (await requestLog(marker)).statuses;
}

/** Polls until `check` returns a truthy value (a reply finishing in the background). */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const marker = () => `m${crypto.randomUUID().slice(0, 8)}`;

export { expectStatus };

/** A streamed turn read part of the way: until `deltas` deltas arrived. */
export async function readUntilDeltas(response: Response, deltas: number) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while ((text.match(/event: delta/g) ?? []).length < deltas) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended after ${text.match(/event: delta/g)?.length ?? 0} deltas`);
    text += decoder.decode(value, { stream: true });
  }
  return {
    reader,
    /** Reads the rest of the stream and parses every event, from the first. */
    async finish(): Promise<SseEvent[]> {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      return readEvents(new Response(text));
    },
  };
}
