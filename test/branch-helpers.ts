/** Driving branches (SPEC §16) as a client would: edits, regenerations, head switches, pages. */
import { expect } from 'vitest';
import { exports } from 'cloudflare:workers';
import { call, expectStatus, ORIGIN } from './helpers';
import type { Caller } from './helpers';
import { eventually, readEvents, storedMessages, streamTurn } from './turn-helpers';
import type { SseEvent } from './turn-helpers';

export interface PageMessage {
  seq: number;
  parentSeq: number | null;
  siblings: { index: number; count: number };
  role: string;
  content: string;
  status: string;
  timings: { d1BeforeFirstToken?: number | null } | null;
  id: string;
  clientMessageId: string | null;
}

/** The stored user message and the reply of a turn's events. */
export function turnOf(events: SseEvent[]): { user: PageMessage; reply: PageMessage } {
  return { user: events.find((e) => e.event === 'user_message')!.data.message, reply: events.findLast((e) => e.event === 'assistant_message')!.data.message };
}

/** A turn that must succeed, answering its two messages. */
export async function turn(caller: Caller, chatId: string, content: string, extra: Record<string, unknown> = {}) {
  return turnOf(await streamTurn(caller, chatId, content, extra));
}

export function regenerateStreaming(caller: Caller, chatId: string, seq: number, extra: Record<string, unknown> = {}) {
  return call('POST', `/chats/${chatId}/regenerate`, { caller, body: { seq, ...extra }, headers: { Accept: 'text/event-stream' } });
}

export async function regenerate(caller: Caller, chatId: string, seq: number): Promise<SseEvent[]> {
  const response = await regenerateStreaming(caller, chatId, seq);
  if (response.status !== 200) throw new Error(`regenerate: ${response.status} ${await response.text()}`);
  return readEvents(response);
}

export async function page(caller: Caller, chatId: string, query = ''): Promise<{ messages: PageMessage[]; hasMore: boolean }> {
  return expectStatus(200, 'GET', `/chats/${chatId}/messages${query}`, { caller });
}

export const seqsOf = (messages: { seq: number }[]) => messages.map((m) => m.seq);
export const placesOf = (messages: PageMessage[]) => messages.map((m) => `${m.seq}:${m.siblings.index}/${m.siblings.count}`);

/** Each page message follows the one before it: the page is one path. */
export function expectOnePath(messages: PageMessage[]) {
  messages.slice(1).forEach((m, i) => expect(m.parentSeq, `seq ${m.seq}`).toBe(messages[i]!.seq));
}

/** Every row of the chat in D1, as [seq, parent_seq]. */
export async function storedTree(chatId: string): Promise<[number, number | null][]> {
  return (await storedMessages(chatId)).map((m: { seq: number; parent_seq: number | null }) => [m.seq, m.parent_seq]);
}

export interface LiveSocket {
  socket: WebSocket;
  frames: any[];
  next(match: (frame: any) => boolean): Promise<any>;
}

export async function connect(caller: Caller, chatId: string, sessionId: string): Promise<LiveSocket> {
  const headers = new Headers({ Upgrade: 'websocket', Authorization: `Bearer ${caller.token}` });
  const response = await exports.default.fetch(new Request(`${ORIGIN}/api/chats/${chatId}/live?sessionId=${sessionId}`, { headers }));
  if (response.status !== 101) throw new Error(`live: ${response.status} ${await response.text()}`);
  const socket = response.webSocket!;
  const frames: any[] = [];
  socket.accept();
  socket.addEventListener('message', (e) => frames.push(JSON.parse(e.data as string)));
  return { socket, frames, next: (match) => eventually(async () => frames.find(match), 10_000) };
}
