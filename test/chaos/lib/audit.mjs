// The audit at the end of the soak: D1 and the executors' own storage, held against what the
// clients saw. Each check answers how many things it looked at and every violation with the
// chat, the seq and the rows that show it.

const FINAL_STATUSES = new Set(['complete', 'interrupted', 'error']);
/** Violations printed per check; the JSON report keeps them all. */
const SHOWN = 8;

/** @typedef {{ name: string, checked: number, violations: object[], note?: string }} CheckResult */

export class Audit {
  /** @type {CheckResult[]} */
  results = [];
  /** Figures the checks work out on the way (replays, writes per reply, …). */
  figures = {};

  /**
   * @param {{ db: import('node:sqlite').DatabaseSync, obs: import('./observations.mjs').Observations,
   *   killBoundaries: number[], sessionTtlMs: number }} input
   */
  constructor({ db, obs, killBoundaries, sessionTtlMs }) {
    this.db = db;
    this.obs = obs;
    this.killBoundaries = [...killBoundaries].sort((a, b) => a - b);
    this.sessionTtlMs = sessionTtlMs;
  }

  add(name, checked, violations, note) {
    this.results.push({ name, checked, violations, ...(note ? { note } : {}) });
  }

  /** Loads D1 once the app has settled: messages by chat, the write log. */
  loadMessages() {
    // With branches (SPEC §16) a message names its parent; before them, a message followed the one before it.
    this.hasParents = this.db.prepare("SELECT 1 FROM pragma_table_info('chat_messages') WHERE name = 'parent_seq'").get() !== undefined;
    const parent = this.hasParents ? 'parent_seq' : 'NULL AS parent_seq';
    const rows = this.db
      .prepare(`SELECT id, chat_id, seq, ${parent}, role, content, tool_calls, status, client_message_id, created_at FROM chat_messages ORDER BY chat_id, seq`)
      .all()
      .map((r) => ({ ...r, toolCalls: r.tool_calls ? JSON.parse(r.tool_calls) : null }));
    this.messages = rows;
    this.byId = new Map(rows.map((m) => [m.id, m]));
    this.byChat = new Map();
    for (const m of rows) {
      if (!this.byChat.has(m.chat_id)) this.byChat.set(m.chat_id, []);
      this.byChat.get(m.chat_id).push(m);
    }
    this.log = this.db
      .prepare('SELECT * FROM chaos_write_log ORDER BY id')
      .all()
      .map((r) => ({ ...r }));
  }

  /** The user message a reply answers: up its parents (branches), or the last one before it (one line). */
  askOf(m) {
    const chat = this.byChat.get(m.chat_id) ?? [];
    if (!this.hasParents) return chat.findLast((u) => u.role === 'user' && u.seq < m.seq) ?? null;
    const bySeq = new Map(chat.map((c) => [c.seq, c]));
    let p = m;
    for (let hops = 0; p && p.role !== 'user' && hops < chat.length; hops++) p = p.parent_seq === null ? null : bySeq.get(p.parent_seq);
    return p?.role === 'user' ? p : null;
  }

  /** The chat around `seq`, as D1 holds it: what a violation is shown with. */
  context(chatId, seq) {
    const rows = this.byChat?.get(chatId) ?? [];
    return rows
      .filter((m) => seq === undefined || Math.abs(m.seq - seq) <= 3)
      .map(
        (m) =>
          `${m.seq}${m.parent_seq === null || !this.hasParents ? '' : `(↑${m.parent_seq})`}:${m.role}:${m.status}${m.toolCalls?.length ? ':tool_calls' : ''}${m.client_message_id ? `:cmid=${m.client_message_id.slice(0, 8)}` : ''} ${JSON.stringify(m.content.slice(0, 50))}`,
      );
  }

  // ── the executors' own storage, after one alarm cycle ────────────────────────────────────

  executorStorage(executors) {
    const now = Date.now();
    // getAlarm() answers a time the runtime's scheduler does not have: it will never fire, and the
    // executor keeps it because an earlier alarm is kept (src/objects/alarm-scheduler.ts).
    const lost = executors.filter((e) => e.objectAlarmAt !== null && e.alarmAt === null && e.objectAlarmAt < now);
    this.figures.lostAlarms = lost.map((e) => ({
      executor: e.name,
      objectAlarmAt: e.objectAlarmAt,
      overdueMs: now - e.objectAlarmAt,
      liveSessions: e.liveSessions.length,
      outbox: e.outbox.length,
      checkpoints: e.checkpoints.length,
    }));
    const leftovers = [];
    for (const e of executors) {
      for (const row of e.outbox) {
        const entry = row.entry;
        const chatId = entry.kind === 'message' ? entry.message.chatId : entry.chatId;
        leftovers.push({ executor: e.name, kind: `outbox ${entry.kind}`, chatId, seq: entry.message?.seq, ...alarmsOf(e), entry });
      }
      for (const c of e.checkpoints)
        leftovers.push({ executor: e.name, kind: 'checkpoint', chatId: c.chat_id, seq: c.seq, ...alarmsOf(e), startedAt: c.started_at });
    }
    const withContext = leftovers.map((l) => ({ ...l, d1: this.context(l.chatId, l.seq) }));
    this.add('no orphan checkpoints or outbox rows remain after one alarm cycle', executors.length, withContext);
  }

  // ── sessions ─────────────────────────────────────────────────────────────────────────────

  sessions(executors) {
    const rows = this.db.prepare('SELECT id, chat_id, is_active, created_at, last_heartbeat_at, ended_at, end_reason FROM chat_sessions').all();
    const client = (id) => {
      const seen = this.obs.sessions.get(id);
      return seen ? { user: seen.user, left: seen.left, lastSignalAt: seen.lastSignalAt, events: seen.events } : 'unknown to the clients';
    };
    const active = rows.filter((r) => r.is_active).map((r) => ({ session: r.id, chatId: r.chat_id, row: { ...r }, client: client(r.id) }));
    for (const e of executors)
      for (const s of e.liveSessions) active.push({ session: s.id, chatId: s.chat_id, executor: e.name, liveSession: s, ...alarmsOf(e) });
    this.add('every session has ended once its client left (none active in D1 or in an executor)', rows.length, active);

    const byId = new Map(rows.map((r) => [r.id, r]));
    const wrong = [];
    let gone = 0;
    let expired = 0;
    for (const [id, seen] of this.obs.sessions) {
      const row = byId.get(id);
      if (!row) {
        wrong.push({ session: id, chatId: seen.chatId, problem: 'the client opened it, D1 has no row' });
        continue;
      }
      const vanished = seen.left === 'vanished';
      if (vanished) gone += 1;
      if (vanished && row.end_reason !== 'expired')
        wrong.push({ session: id, chatId: seen.chatId, problem: `its tab vanished, yet it ended "${row.end_reason}"`, row: { ...row }, client: client(id) });
      if (row.end_reason === 'expired') {
        expired += 1;
        // The last heartbeat or open the server answered was sent at lastSignalAt: its beat is no earlier.
        if (row.ended_at < seen.lastSignalAt + this.sessionTtlMs)
          wrong.push({
            session: id,
            chatId: seen.chatId,
            problem: `expired ${seen.lastSignalAt + this.sessionTtlMs - row.ended_at} ms before its TTL ran out`,
            row: { ...row },
            client: client(id),
          });
      }
    }
    this.figures.sessions = {
      inD1: rows.length,
      seenByClients: this.obs.sessions.size,
      vanished: gone,
      expired,
      byReason: countBy(rows, (r) => r.end_reason ?? 'active'),
    };
    this.add('sessions of gone clients were ended by the alarm (expired), none before its TTL', this.obs.sessions.size, wrong);
  }

  // ── messages ─────────────────────────────────────────────────────────────────────────────

  acknowledgedStoredOnce() {
    const wrong = [];
    const byClientId = new Map();
    for (const m of this.messages) {
      if (!m.client_message_id) continue;
      const key = `${m.chat_id} ${m.client_message_id}`;
      byClientId.set(key, (byClientId.get(key) ?? 0) + 1);
    }
    for (const [id, ack] of this.obs.acks) {
      const row = this.byId.get(id);
      const problem = !row
        ? 'acknowledged, not in D1'
        : row.chat_id !== ack.chatId || row.seq !== ack.seq || row.content !== ack.content || row.role !== 'user'
          ? 'stored differently from its acknowledgment'
          : ack.clientMessageId && byClientId.get(`${ack.chatId} ${ack.clientMessageId}`) !== 1
            ? `its clientMessageId is stored ${byClientId.get(`${ack.chatId} ${ack.clientMessageId}`)} times`
            : null;
      if (problem)
        wrong.push({ chatId: ack.chatId, seq: ack.seq, problem, acknowledged: { id, ...ack, via: [...ack.via] }, d1: this.context(ack.chatId, ack.seq) });
    }
    for (const c of this.obs.contradictions) wrong.push({ ...c, d1: this.context(c.chatId, c.seq) });
    this.add('every acknowledged user message (user_message seen) is stored exactly once, as acknowledged', this.obs.acks.size, wrong);
  }

  repliesStoredAsSeen() {
    const wrong = [];
    for (const [id, reply] of this.obs.replies) {
      const row = this.byId.get(id);
      if (!row || row.status !== reply.status || row.content !== reply.content || row.seq !== reply.seq)
        wrong.push({
          chatId: reply.chatId,
          seq: reply.seq,
          problem: row ? `stored as ${row.status} (${row.content.length} chars)` : 'seen, not in D1',
          seen: { id, status: reply.status, chars: reply.content.length },
          d1: this.context(reply.chatId, reply.seq),
        });
    }
    this.add('every reply a client saw (assistant_message) is stored with the status and text it saw', this.obs.replies.size, wrong);
  }

  noneStuck() {
    const wrong = [];
    let assistants = 0;
    for (const m of this.messages) {
      if (m.role === 'assistant') assistants += 1;
      const ok = m.role === 'assistant' ? FINAL_STATUSES.has(m.status) : m.status === 'complete';
      if (!ok) wrong.push({ chatId: m.chat_id, seq: m.seq, problem: `${m.role} message with status ${m.status}`, d1: this.context(m.chat_id, m.seq) });
    }
    this.figures.assistantByStatus = countBy(
      this.messages.filter((m) => m.role === 'assistant' && !m.toolCalls?.length),
      (m) => m.status,
    );
    this.add('every assistant message is complete, interrupted or error (none stuck)', assistants, wrong);
  }

  /** The first delta is sent only once its checkpoint is durable: a reply seen streaming cannot vanish. */
  streamedKept() {
    const wrong = [];
    for (const s of this.obs.streamed) {
      const chat = this.byChat.get(s.chatId) ?? [];
      const user = chat.find((m) => m.role === 'user' && m.client_message_id === s.clientMessageId);
      const replies = user ? chat.filter((m) => m.role === 'assistant' && !m.toolCalls?.length && this.askOf(m)?.id === user.id) : [];
      const kept = replies.length > 0 && replies.every((r) => r.content.startsWith(s.text) || s.text.startsWith(r.content));
      if (!kept)
        wrong.push({
          chatId: s.chatId,
          seq: user?.seq,
          problem: replies.length ? 'a stored reply is not a prefix of what streamed, nor the other way round' : 'streamed, then no reply stored',
          streamed: s.text.slice(0, 80),
          d1: this.context(s.chatId, user?.seq),
        });
    }
    this.add('every reply a client saw streaming before its stream broke is stored and keeps what streamed', this.obs.streamed.length, wrong);
  }

  seqGapFree() {
    const wrong = [];
    const chats = this.db.prepare('SELECT id FROM chats').all();
    for (const { id } of chats) {
      const seqs = (this.byChat.get(id) ?? []).map((m) => m.seq);
      const bad = seqs.findIndex((seq, i) => seq !== i + 1);
      if (bad !== -1)
        wrong.push({
          chatId: id,
          seq: seqs[bad],
          problem: `seq ${bad + 1} expected, found ${seqs[bad]}`,
          seqs: seqs.slice(Math.max(0, bad - 3), bad + 3),
          d1: this.context(id, seqs[bad]),
        });
    }
    this.add('seq is gap-free and strictly increasing in every chat', chats.length, wrong);
  }

  // ── D1 writes ────────────────────────────────────────────────────────────────────────────

  /**
   * Each message row is inserted once and never changed. Each chat touch (the chats UPDATE of
   * updated_at and head, one per chat per flush) is attributed to the message whose created_at
   * it set: the newest of its flush. A reply's writes are its row and, when it was the newest
   * of its flush, that touch; a second touch for the same message is a replay only when a kill
   * lies between the two — otherwise it is a write too many.
   */
  writes() {
    const rowWrites = new Map();
    for (const w of this.log) {
      if (w.tbl !== 'chat_messages') continue;
      const entry = rowWrites.get(w.msg_id) ?? { INSERT: 0, UPDATE: 0, DELETE: 0, chatId: w.chat_id };
      entry[w.op] += 1;
      rowWrites.set(w.msg_id, entry);
    }
    const onceWrong = [];
    for (const m of this.messages) {
      const w = rowWrites.get(m.id) ?? { INSERT: 0, UPDATE: 0, DELETE: 0 };
      if (w.INSERT !== 1 || w.UPDATE !== 0 || w.DELETE !== 0)
        onceWrong.push({ chatId: m.chat_id, seq: m.seq, problem: `row written ${JSON.stringify(w)}`, d1: this.context(m.chat_id, m.seq) });
    }
    this.add('every message row is written to D1 once (one INSERT, never updated)', this.messages.length, onceWrong);

    // Every stored message brings a touch (at = its created_at); a flush merges a chat's touches into one, at the newest.
    const touchable = new Map();
    for (const m of this.messages) {
      const key = `${m.chat_id} ${m.created_at}`;
      if (!touchable.has(key)) touchable.set(key, []);
      touchable.get(key).push(m);
    }
    const touches = new Map();
    const unattributed = [];
    for (const w of this.log) {
      if (w.tbl !== 'chats' || w.op !== 'UPDATE') continue;
      const candidates = touchable.get(`${w.chat_id} ${w.new_updated}`);
      if (!candidates) {
        unattributed.push(w);
        continue;
      }
      const target = candidates.find((m) => !touches.has(m.id)) ?? candidates[0];
      if (!touches.has(target.id)) touches.set(target.id, []);
      touches.get(target.id).push(w.id);
    }
    const wrong = unattributed.map((w) => ({
      chatId: w.chat_id,
      problem: `a chats UPDATE (updated_at ${w.old_updated} → ${w.new_updated}) that is no message's touch`,
      d1: this.context(w.chat_id),
    }));
    let replays = 0;
    const perReply = {};
    for (const m of this.messages) {
      const ids = touches.get(m.id) ?? [];
      for (let i = 1; i < ids.length; i++) {
        if (this.#killBetween(ids[0], ids[i])) replays += 1;
        else
          wrong.push({
            chatId: m.chat_id,
            seq: m.seq,
            problem: `touched again (write ${ids[i]} after ${ids[0]}) with no kill between`,
            d1: this.context(m.chat_id, m.seq),
          });
      }
      if (m.role !== 'assistant' || m.toolCalls?.length) continue;
      const w = rowWrites.get(m.id) ?? { INSERT: 0, UPDATE: 0, DELETE: 0 };
      const count = w.INSERT + w.UPDATE + w.DELETE + Math.min(1, ids.length);
      perReply[count] = (perReply[count] ?? 0) + 1;
      if (count > 2) wrong.push({ chatId: m.chat_id, seq: m.seq, problem: `${count} D1 writes for one reply`, d1: this.context(m.chat_id, m.seq) });
    }
    const replies = Object.values(perReply).reduce((a, b) => a + b, 0);
    this.figures.d1Writes = {
      perReplyHistogram: perReply,
      replayedTouches: replays,
      totalLogged: this.log.length,
      byTable: countBy(this.log, (w) => `${w.tbl} ${w.op}`),
    };
    this.add('D1 writes per reply ≤ 2 (its row and its chat touch); a second touch only as a replay after a kill', replies, wrong);
  }

  #killBetween(a, b) {
    return this.killBoundaries.some((k) => k >= a && k < b);
  }

  /** Tools write D1 themselves: a task per tool turn, whatever retries and replays did. */
  taskEffects() {
    const tasks = this.db.prepare("SELECT title, count(*) AS n FROM tasks WHERE title LIKE 'Buy chaos-%' GROUP BY title").all();
    const doubled = tasks.filter((t) => t.n > 1).map((t) => ({ title: t.title, copies: t.n }));
    this.figures.tasks = { titles: tasks.length, doubled: doubled.length, examples: doubled.slice(0, 5) };
  }

  // ── the end ──────────────────────────────────────────────────────────────────────────────

  passed() {
    return this.results.filter((r) => r.violations.length === 0).length;
  }

  failed() {
    return this.results.length - this.passed();
  }

  lines() {
    const out = [];
    for (const r of this.results) {
      out.push(`${r.violations.length === 0 ? 'PASS' : 'FAIL'}  ${r.name} — ${r.checked} checked, ${r.violations.length} violations`);
      for (const v of r.violations.slice(0, SHOWN)) out.push(`        ${JSON.stringify(v)}`);
      if (r.violations.length > SHOWN) out.push(`        … ${r.violations.length - SHOWN} more in the JSON report`);
    }
    return out;
  }
}

/** An executor's alarm as it sees it and as the runtime will fire it. */
function alarmsOf(e) {
  return { objectAlarmAt: e.objectAlarmAt, runtimeAlarmAt: e.alarmAt };
}

function countBy(items, key) {
  const out = {};
  for (const item of items) {
    const k = key(item);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
