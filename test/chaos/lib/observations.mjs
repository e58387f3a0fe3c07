// What the simulated clients saw: every acknowledged user message (`user_message`, over SSE
// or a tab's socket), every reply, every session and how its tab left, and the run's
// counters. The audit holds D1 and the executors' storage against this record.

export class Observations {
  counters = {
    visits: 0,
    sleeps: 0,
    turnsAttempted: 0,
    acknowledged: 0,
    completed: 0,
    interrupted: 0,
    errored: 0,
    unacknowledged: 0,
    endUnseen: 0,
    resends: 0,
    busy: 0,
    rateLimited: 0,
    gone: 0,
    reopens: 0,
    networkErrors: 0,
    serverErrors: 0,
    streamsBroken: 0,
    streamsDropped: 0,
    stopsSent: 0,
    toolCalls: 0,
    catchUps: 0,
    sessionsOpened: 0,
    sessionsEnded: 0,
    sessionsVanished: 0,
    chatsCreated: 0,
    heartbeats: 0,
    heartbeatsFailed: 0,
    socketsOpened: 0,
    reconnections: 0,
    socketConnectFailures: 0,
    socketDropsInjected: 0,
    socketFrames: 0,
  };
  /** Model faults asked for, by marker. */
  faults = {};
  /** Answers nobody should get (400, 404, 413, …): `status code` → count, with a few examples. */
  unexpected = new Map();
  /** messageId → the acknowledged user message as first seen, and where it was seen. */
  acks = new Map();
  /** `${chatId} ${clientMessageId}` → the message id it was acknowledged as. */
  #ackByClientId = new Map();
  /** messageId → the assistant message as first seen. */
  replies = new Map();
  /** Things the clients saw that contradict each other (the same turn acknowledged twice, …). */
  contradictions = [];
  /** The text a plain-text reply streamed before its stream ended, per attempt: held against what was stored. */
  streamed = [];
  /** sessionId → { chatId, user, openedAt, lastSignalAt, left: 'unload' | 'vanished' | null }. */
  sessions = new Map();
  /** Every chat a user holds: chatId → user index. */
  chats = new Map();

  count(name, by = 1) {
    this.counters[name] += by;
  }

  fault(kind) {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1;
  }

  unexpectedAnswer(what, answer) {
    const key = `${answer.status} ${answer.code ?? ''}`.trim();
    const entry = this.unexpected.get(key) ?? { count: 0, examples: [] };
    entry.count += 1;
    if (entry.examples.length < 3) entry.examples.push(`${what}: ${JSON.stringify(answer.data)?.slice(0, 200)}`);
    this.unexpected.set(key, entry);
  }

  /** A `user_message` event or frame of `chatId`: the server says this message is stored. */
  ack(via, chatId, dto) {
    const message = { ...dto, chatId };
    const known = this.acks.get(message.id);
    if (known) {
      known.via.add(via);
      if (known.seq !== message.seq || known.content !== message.content || known.chatId !== message.chatId)
        this.contradictions.push({ kind: 'ack changed', chatId: message.chatId, seq: message.seq, detail: { first: known, now: message } });
      return;
    }
    this.acks.set(message.id, {
      chatId: message.chatId,
      seq: message.seq,
      clientMessageId: message.clientMessageId,
      content: message.content,
      via: new Set([via]),
    });
    if (message.clientMessageId) {
      const key = `${message.chatId} ${message.clientMessageId}`;
      const other = this.#ackByClientId.get(key);
      if (other && other !== message.id)
        this.contradictions.push({
          kind: 'one clientMessageId acknowledged as two messages',
          chatId: message.chatId,
          seq: message.seq,
          detail: { ids: [other, message.id] },
        });
      this.#ackByClientId.set(key, message.id);
    }
  }

  /** An `assistant_message` event or frame of `chatId`: this reply is stored with this status. */
  reply(via, chatId, dto) {
    const message = { ...dto, chatId };
    const known = this.replies.get(message.id);
    if (known) {
      known.via.add(via);
      if (known.status !== message.status || known.content !== message.content || known.seq !== message.seq)
        this.contradictions.push({ kind: 'reply changed', chatId: message.chatId, seq: message.seq, detail: { first: known, now: message } });
      return;
    }
    this.replies.set(message.id, { chatId: message.chatId, seq: message.seq, status: message.status, content: message.content, via: new Set([via]) });
  }

  openedSession(session, user, at) {
    this.count('sessionsOpened');
    const known = this.sessions.get(session.id);
    if (known) {
      known.lastSignalAt = Math.max(known.lastSignalAt, at);
      this.event(session.id, 'open 200 (same tab)');
      return;
    }
    this.sessions.set(session.id, { chatId: session.chatId, user, openedAt: at, lastSignalAt: at, left: null, events: [] });
    this.event(session.id, 'open 201');
  }

  /** A short history per session (what the tab did and when), shown with a session's violation. */
  event(sessionId, what) {
    const events = this.sessions.get(sessionId)?.events;
    if (!events) return;
    events.push(`${Date.now()} ${what}`);
    if (events.length > 40) events.splice(0, events.length - 40);
  }

  /** A heartbeat (or reopen) the server answered for this session: it was alive when the request left. */
  signal(sessionId, sentAt) {
    const s = this.sessions.get(sessionId);
    if (s) s.lastSignalAt = Math.max(s.lastSignalAt, sentAt);
  }

  left(sessionId, how) {
    const s = this.sessions.get(sessionId);
    if (s && !s.left) s.left = how;
    this.event(sessionId, `left: ${how}`);
  }
}
