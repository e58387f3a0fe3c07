import { evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  call,
  d1Writes,
  executorState,
  executorStub,
  expectError,
  expectStatus,
  installWriteCounter,
  openSession,
  ORIGIN,
  sessionRow,
  signUp,
} from './helpers';
import type { Caller } from './helpers';
import { eventually, readUntilDeltas, sendStreaming, storedMessages, streamTurn } from './turn-helpers';

const SESSION_TTL_MS = Number(env.SESSION_TTL_S) * 1000;
/** Real time between the sockets' connection and the ping: what tells the ping's moment apart. */
const PING_GAP_MS = 400;

interface LiveSocket {
  socket: WebSocket;
  frames: any[];
  /** Waits until a frame satisfies `match`. */
  next(match: (frame: any) => boolean): Promise<any>;
}

function liveRequest(caller: Caller | null, chatId: string, sessionId?: string, extra: { cookie?: boolean; origin?: string } = {}) {
  const headers = new Headers({ Upgrade: 'websocket' });
  if (caller) headers.set(extra.cookie ? 'Cookie' : 'Authorization', extra.cookie ? `session=${caller.token}` : `Bearer ${caller.token}`);
  if (extra.origin) headers.set('Origin', extra.origin);
  const query = sessionId ? `?sessionId=${sessionId}` : '';
  return exports.default.fetch(new Request(`${ORIGIN}/api/chats/${chatId}/live${query}`, { headers }));
}

async function connect(caller: Caller, chatId: string, sessionId?: string): Promise<LiveSocket> {
  const response = await liveRequest(caller, chatId, sessionId);
  if (response.status !== 101) throw new Error(`live: ${response.status} ${await response.text()}`);
  const socket = response.webSocket!;
  const frames: any[] = [];
  socket.accept();
  socket.addEventListener('message', (e) => frames.push(e.data === 'pong' ? 'pong' : JSON.parse(e.data as string)));
  return {
    socket,
    frames,
    next: (match) => eventually(async () => frames.find(match), 10_000),
  };
}

/** The frames of turns: a chat's first reply is followed, at a moment of its own, by a `title` frame (test/chat-title.test.ts). */
/** A chat open in two tabs: the sender's session, and the watcher's socket past its snapshot. */
async function watchedChat() {
  const caller = await signUp();
  const sender = await openSession(caller, { clientInstanceId: 'sender' });
  const watcher = await openSession(caller, { clientInstanceId: 'watcher' });
  const chatId = sender.chat.id as string;
  const tab = await connect(caller, chatId, watcher.session.id);
  await tab.next((f) => f.type === 'snapshot');
  return { caller, sender, chatId, tab };
}

const typesOf = (frames: any[]) => frames.filter((f) => f !== 'pong' && f.type !== 'title').map((f) => f.type);

afterEach(() => vi.useRealTimers());

describe('the live channel', () => {
  it('sends a snapshot first, then every turn’s events to every socket of the chat, in order', async () => {
    const caller = await signUp();
    const tabA = await openSession(caller, { clientInstanceId: 'a' });
    const tabB = await openSession(caller, { clientInstanceId: 'b' });
    const chatId = tabA.chat.id;
    const a = await connect(caller, chatId, tabA.session.id);
    const b = await connect(caller, chatId, tabB.session.id);
    await a.next((f) => f.type === 'snapshot');
    expect(await b.next((f) => f.type === 'snapshot')).toEqual({ type: 'snapshot', lastSeq: 0, inFlight: null });

    const events = await streamTurn(caller, chatId, 'hello from tab A');
    for (const tab of [a, b]) {
      await tab.next((f) => f.type === 'assistant_message');
      const types = typesOf(tab.frames);
      expect(types[0]).toBe('snapshot');
      expect(types[1]).toBe('user_message');
      expect(types.at(-1)).toBe('assistant_message');
      expect(types.slice(2, -1).every((t) => t === 'delta')).toBe(true);
      const text = tab.frames
        .filter((f) => f.type === 'delta')
        .map((f) => f.text)
        .join('');
      expect(text).toBe(events.find((e) => e.event === 'assistant_message')!.data.message.content);
    }
    a.socket.close(1000);
    b.socket.close(1000);
  });

  it('sends another tab’s socket the tool_call, tool_result and error frames of a turn, as the sender’s SSE had them', async () => {
    const { caller, sender, chatId, tab } = await watchedChat();

    const withTool = await streamTurn(caller, chatId, 'add a task to buy milk', { sessionId: sender.session.id });
    await tab.next((f) => f.type === 'assistant_message');
    const toolEvents = withTool.filter((e) => e.event === 'tool_call' || e.event === 'tool_result');
    expect(toolEvents.map((e) => e.event)).toEqual(['tool_call', 'tool_result']);
    expect(tab.frames.filter((f) => f.type === 'tool_call' || f.type === 'tool_result')).toEqual(toolEvents.map((e) => ({ type: e.event, ...e.data })));
    expect(typesOf(tab.frames).slice(0, 4)).toEqual(['snapshot', 'user_message', 'tool_call', 'tool_result']);
    // The chat's first reply is followed by its title (SPEC §4.7); the next turn's frames come after it.
    await tab.next((f) => f.type === 'title');

    tab.frames.length = 0;
    const failed = await streamTurn(caller, chatId, 'please answer [[fault:500]]', { sessionId: sender.session.id });
    const error = failed.find((e) => e.event === 'error')!;
    expect(error.data).toMatchObject({ code: 'upstream_error', message: expect.stringMatching(/HTTP 500/) });
    await tab.next((f) => f.type === 'assistant_message');
    expect(typesOf(tab.frames)).toEqual(['user_message', 'error', 'assistant_message']);
    expect(tab.frames[1]).toEqual({ type: 'error', ...error.data });
    tab.socket.close(1000);
  });

  it('tells the chat’s sockets its new title: the one the model wrote after the first reply, then a rename', async () => {
    const { caller, sender, chatId, tab } = await watchedChat();
    await streamTurn(caller, chatId, 'ideas for a rainy Sunday in Lisbon', { sessionId: sender.session.id });
    expect(await tab.next((f) => f.type === 'title')).toEqual({ type: 'title', title: 'Ideas for a rainy Sunday' });
    await expectStatus(200, 'PATCH', `/chats/${chatId}`, { caller, body: { title: 'Lisbon rain plan' } });
    expect(await tab.next((f) => f.type === 'title' && f.title === 'Lisbon rain plan')).toEqual({ type: 'title', title: 'Lisbon rain plan' });
    tab.socket.close(1000);
  });

  it('gives a socket that joins mid-reply the partial text, then the rest with no gap or duplicate', async () => {
    const caller = await signUp();
    const { chat } = await openSession(caller, { clientInstanceId: 'a' });
    const { reader } = await readUntilDeltas(await sendStreaming(caller, chat.id, 'count slowly [[tokens:30]] [[delay:40]]'), 5);

    const lateTab = await openSession(caller, { clientInstanceId: 'late' });
    const late = await connect(caller, chat.id, lateTab.session.id);
    const snapshot = await late.next((f) => f.type === 'snapshot');
    expect(snapshot.lastSeq).toBe(1);
    expect(snapshot.inFlight.text).toMatch(/^token1 token2 token3 token4 token5/);
    const final = await late.next((f) => f.type === 'assistant_message');
    const rebuilt =
      snapshot.inFlight.text +
      late.frames
        .filter((f) => f.type === 'delta')
        .map((f) => f.text)
        .join('');
    expect(rebuilt).toBe(final.message.content);
    expect(final.message.id).toBe(snapshot.inFlight.messageId);
    const stored = await storedMessages(chat.id);
    expect(stored[1].content).toBe(rebuilt);
    await reader.cancel();
    late.socket.close(1000);
  });

  it('lets a reconnecting client catch up with after=, including a message not yet flushed to D1', async () => {
    const caller = await signUp();
    const { chat } = await openSession(caller, { clientInstanceId: 'a' });
    const stream = await readUntilDeltas(await sendStreaming(caller, chat.id, 'take your time [[slow]] [[tokens:5]]'), 1);
    const { messages } = await expectStatus(200, 'GET', `/chats/${chat.id}/messages?after=0`, { caller });
    expect(messages.map((m: { seq: number; role: string }) => [m.seq, m.role])).toEqual([[1, 'user']]);
    await stream.finish();
    const after = await expectStatus(200, 'GET', `/chats/${chat.id}/messages?after=1`, { caller });
    expect(after.messages.map((m: { role: string; status: string }) => [m.role, m.status])).toEqual([['assistant', 'complete']]);
  });

  it('keeps hibernating sockets through an eviction, and the next turn still reaches them', async () => {
    const caller = await signUp();
    const { chat, session } = await openSession(caller, { clientInstanceId: 'a' });
    const socket = await connect(caller, chat.id, session.id);
    await socket.next((f) => f.type === 'snapshot');
    await evictDurableObject(executorStub(caller));
    expect((await executorState(caller)).cached).toBe(false);
    await streamTurn(caller, chat.id, 'are you still listening?');
    await socket.next((f) => f.type === 'assistant_message');
    expect(typesOf(socket.frames).slice(0, 2)).toEqual(['snapshot', 'user_message']);
    socket.socket.close(1000);
  });

  it('keeps a session alive on socket pings alone past the TTL, while a silent one expires, with no D1 write for the pinged one', async () => {
    const caller = await signUp();
    const pinging = await openSession(caller, { clientInstanceId: 'pinging' });
    const silent = await openSession(caller, { clientInstanceId: 'silent' });
    const chatId = pinging.chat.id;
    const a = await connect(caller, chatId, pinging.session.id);
    const b = await connect(caller, chatId, silent.session.id);
    await a.next((f) => f.type === 'snapshot');
    await b.next((f) => f.type === 'snapshot');
    const connectedBy = Date.now();
    await new Promise((resolve) => setTimeout(resolve, PING_GAP_MS));
    const pingedFrom = Date.now();
    a.socket.send('ping');
    await a.next((f) => f === 'pong');
    await installWriteCounter();

    // Past the TTL for everything the tabs did on connecting, within it for the ping alone.
    const alarmAt = pingedFrom + SESSION_TTL_MS - PING_GAP_MS / 2;
    expect(alarmAt).toBeGreaterThan(connectedBy + SESSION_TTL_MS);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(alarmAt);
    await runDurableObjectAlarm(executorStub(caller));
    vi.useRealTimers();

    expect(await sessionRow(pinging.session.id)).toMatchObject({ is_active: 1, end_reason: null });
    expect(await sessionRow(silent.session.id)).toMatchObject({ is_active: 0, end_reason: 'expired' });
    // The only D1 write was the silent session's end.
    expect(await d1Writes()).toBe(1);
    a.socket.close(1000);
  });

  it('counts a recent socket ping when the tab’s HTTP heartbeat comes after the TTL', async () => {
    const caller = await signUp();
    const pinging = await openSession(caller, { clientInstanceId: 'pinging' });
    const silent = await openSession(caller, { clientInstanceId: 'silent' });
    const chatId = pinging.chat.id;
    const a = await connect(caller, chatId, pinging.session.id);
    const b = await connect(caller, chatId, silent.session.id);
    await a.next((f) => f.type === 'snapshot');
    await b.next((f) => f.type === 'snapshot');
    const connectedBy = Date.now();
    await new Promise((resolve) => setTimeout(resolve, PING_GAP_MS));
    const pingedFrom = Date.now();
    a.socket.send('ping');
    await a.next((f) => f === 'pong');

    const heartbeatAt = pingedFrom + SESSION_TTL_MS - PING_GAP_MS / 2;
    expect(heartbeatAt).toBeGreaterThan(connectedBy + SESSION_TTL_MS);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(heartbeatAt);
    await expectStatus(204, 'POST', `/sessions/${pinging.session.id}/heartbeat`, { caller });
    await expectError(await call('POST', `/sessions/${silent.session.id}/heartbeat`, { caller }), 410, 'gone');
    vi.useRealTimers();
    expect(await sessionRow(pinging.session.id)).toMatchObject({ is_active: 1 });
    expect(await sessionRow(silent.session.id)).toMatchObject({ is_active: 0, end_reason: 'expired' });
    a.socket.close(1000);
  });

  it('still counts a socket’s last ping after the socket dropped', async () => {
    const caller = await signUp();
    const tab = await openSession(caller, { clientInstanceId: 'dropping' });
    const a = await connect(caller, tab.chat.id, tab.session.id);
    await a.next((f) => f.type === 'snapshot');
    const connectedBy = Date.now();
    await new Promise((resolve) => setTimeout(resolve, PING_GAP_MS));
    const pingedFrom = Date.now();
    a.socket.send('ping');
    await a.next((f) => f === 'pong');
    a.socket.close(4002, 'network changed'); // not a clean close: the tab may come back
    await eventually(async () => (await executorState(caller)).activeSessions === 1 && true);

    const heartbeatAt = pingedFrom + SESSION_TTL_MS - PING_GAP_MS / 2;
    expect(heartbeatAt).toBeGreaterThan(connectedBy + SESSION_TTL_MS);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(heartbeatAt);
    await expectStatus(204, 'POST', `/sessions/${tab.session.id}/heartbeat`, { caller });
  });

  it('expires a session whose socket went silent past the TTL, and closes the socket', async () => {
    const caller = await signUp();
    const { chat, session } = await openSession(caller, { clientInstanceId: 'a' });
    const socket = await connect(caller, chat.id, session.id);
    await socket.next((f) => f.type === 'snapshot');
    const closed = new Promise<number>((resolve) => socket.socket.addEventListener('close', (e) => resolve(e.code)));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + SESSION_TTL_MS + 1000);
    await runDurableObjectAlarm(executorStub(caller));
    vi.useRealTimers();
    expect(await sessionRow(session.id)).toMatchObject({ is_active: 0, end_reason: 'expired' });
    expect(await closed).toBe(4000);
  });

  it('ends the session when its tab closes the socket', async () => {
    const caller = await signUp();
    const { chat, session } = await openSession(caller, { clientInstanceId: 'a' });
    const socket = await connect(caller, chat.id, session.id);
    await socket.next((f) => f.type === 'snapshot');
    socket.socket.close(1001, 'tab closed');
    await eventually(async () => (await sessionRow(session.id))?.is_active === 0);
    expect(await sessionRow(session.id)).toMatchObject({ end_reason: 'unload' });
  });

  it('refuses before any upgrade: no login 401, another user’s chat 404, a foreign origin 403', async () => {
    const alice = await signUp();
    const bob = await signUp();
    const { chat, session } = await openSession(alice, { clientInstanceId: 'a' });
    await expectError(await liveRequest(null, chat.id, session.id), 401, 'unauthorized');
    await expectError(await liveRequest(bob, chat.id, session.id), 404, 'not_found');
    await expectError(await liveRequest(alice, chat.id, session.id, { cookie: true, origin: 'https://evil.example' }), 403, 'forbidden');
    await expectError(await liveRequest(alice, chat.id), 400, 'bad_request');
    const other = await openSession(bob, { clientInstanceId: 'b' });
    await expectError(await liveRequest(alice, chat.id, other.session.id), 410, 'gone');
  });
});
