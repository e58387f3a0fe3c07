import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveFrame } from '../../src/shared/protocol';
import { RECONNECT_CLOSE_CODE, LiveSocket, SESSION_ENDED_CLOSE_CODE } from '../../web/src/lib/live-socket';
import type { LiveSocketOptions, SocketLike } from '../../web/src/lib/live-socket';

/** A socket the test drives: open it, push frames, close it as the server would. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  closedWith: number | null = null;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }
  serverOpens() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  serverSends(data: string | LiveFrame) {
    this.onmessage?.(new MessageEvent('message', { data: typeof data === 'string' ? data : JSON.stringify(data) }));
  }
  serverCloses(code: number) {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code }));
  }
}

const SNAPSHOT: LiveFrame = { type: 'snapshot', lastSeq: 0, inFlight: null };

function connect(overrides: Partial<LiveSocketOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const frames: LiveFrame[] = [];
  const health: boolean[] = [];
  const events: string[] = [];
  const live = new LiveSocket({
    url: 'ws://test/api/chats/c1/live?sessionId=s1',
    pingIntervalMs: 1_000,
    onFrame: (f) => frames.push(f),
    onHealth: (h) => health.push(h),
    onSessionEnded: () => events.push('session ended'),
    onConnectFailed: (attempt) => events.push(`failed ${attempt}`),
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    random: () => 1,
    ...overrides,
  });
  return { live, sockets, frames, health, events, last: () => sockets.at(-1)! };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LiveSocket', () => {
  it('is healthy once the snapshot arrives, and hands every frame on', () => {
    const t = connect();
    t.last().serverOpens();
    expect(t.live.healthy).toBe(false);
    t.last().serverSends(SNAPSHOT);
    t.last().serverSends({ type: 'delta', text: 'Hi' });
    expect(t.live.healthy).toBe(true);
    expect(t.frames).toEqual([SNAPSHOT, { type: 'delta', text: 'Hi' }]);
    expect(t.health).toEqual([true]);
  });

  it('pings every interval and treats an unanswered ping as a dead link', () => {
    const t = connect();
    t.last().serverOpens();
    t.last().serverSends(SNAPSHOT);
    vi.advanceTimersByTime(1_000);
    expect(t.last().sent).toEqual(['ping']);
    t.last().serverSends('pong');
    vi.advanceTimersByTime(1_000);
    expect(t.last().sent).toEqual(['ping', 'ping']);
    vi.advanceTimersByTime(1_000);
    expect(t.sockets[0]!.closedWith).toBe(RECONNECT_CLOSE_CODE);
    expect(t.live.healthy).toBe(false);
    vi.advanceTimersByTime(500);
    expect(t.sockets).toHaveLength(2);
  });

  it('reconnects with growing delays after drops, and resets them after a good connection', () => {
    const t = connect();
    t.last().serverCloses(1006);
    expect(t.events).toEqual(['failed 0']);
    vi.advanceTimersByTime(499);
    expect(t.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(t.sockets).toHaveLength(2);
    t.last().serverCloses(1006);
    vi.advanceTimersByTime(999);
    expect(t.sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(t.sockets).toHaveLength(3);
    t.last().serverOpens();
    t.last().serverSends(SNAPSHOT);
    t.last().serverCloses(1006);
    vi.advanceTimersByTime(500);
    expect(t.sockets).toHaveLength(4);
    expect(t.events).toEqual(['failed 0', 'failed 1']);
  });

  it('stops and reports when the server ends the session (4000)', () => {
    const t = connect();
    t.last().serverOpens();
    t.last().serverSends(SNAPSHOT);
    t.last().serverCloses(SESSION_ENDED_CLOSE_CODE);
    expect(t.events).toEqual(['session ended']);
    vi.advanceTimersByTime(60_000);
    expect(t.sockets).toHaveLength(1);
  });

  it('closes with 1000 when the tab leaves, and never reconnects after', () => {
    const t = connect();
    t.last().serverOpens();
    t.last().serverSends(SNAPSHOT);
    t.live.close();
    expect(t.last().closedWith).toBe(1000);
    expect(t.health).toEqual([true, false]);
    vi.advanceTimersByTime(60_000);
    expect(t.sockets).toHaveLength(1);
  });

  it('reconnect() swaps the link without ending the session, for a fresh snapshot', () => {
    const t = connect();
    t.last().serverOpens();
    t.live.reconnect();
    expect(t.sockets[0]!.closedWith).toBe(RECONNECT_CLOSE_CODE);
    expect(t.sockets).toHaveLength(2);
    // The old socket's late events are ignored.
    t.sockets[0]!.serverSends({ type: 'delta', text: 'stale' });
    expect(t.frames).toEqual([]);
  });
});

describe('LiveSocket closing a socket that is still connecting', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits for it to open, then closes it without ending the session, and hears nothing from it', () => {
    const t = connect();
    const connecting = t.last();
    t.live.close();
    expect(connecting.closedWith).toBeNull();
    connecting.serverOpens();
    expect(connecting.closedWith).toBe(RECONNECT_CLOSE_CODE);
    connecting.serverSends(SNAPSHOT);
    expect(t.frames).toEqual([]);
    expect(t.health).toEqual([]);
  });
});
