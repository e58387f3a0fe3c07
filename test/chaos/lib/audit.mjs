// The audit at the end of the soak: D1 — the directory and every shard (SPEC §17), read as one
// — and the executors' own storage, held against what the clients saw. Each check answers how many things it looked at and every violation with the
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
   * @param {{ databases: ReturnType<import('./storage.mjs').openDatabases>, obs: import('./observations.mjs').Observations,
   *   killBoundaries: Record<string, number>[], sessionTtlMs: number }} input
   * `killBoundaries`: per kill, in order, the last write id of each database (binding → id).
   */
  constructor({ databases, obs, killBoundaries, sessionTtlMs }) {
    this.databases = databases;
    this.obs = obs;
    this.killBoundaries = killBoundaries;
    this.sessionTtlMs = sessionTtlMs;
  }

  /** `sql`'s rows from every shard, each with the shard it came from (`shard`: n of SHARD_<n>). */
  fromShards(sql) {
    return this.databases.shards.flatMap((s) =>
      s.db
        .prepare(sql)
        .all()
        .map((r) => ({ ...r, shard: s.shard })),
    );
  }

  add(name, checked, violations, note) {
    this.results.push({ name, checked, violations, ...(note ? { note } : {}) });
  }

  /**
   * Loads D1 once the app has settled: every shard's messages, by chat (each row knows its
   * shard; `copies` says in which shards a message id is, so a row in two shards is seen), and
   * every database's write log (each entry knows its database: ids order one database's writes).
   */
  loadMessages() {
    // With branches (SPEC §16) a message names its parent; before them, a message followed the one before it.
    const first = this.databases.shards[0].db;
    this.hasParents = first.prepare("SELECT 1 FROM pragma_table_info('chat_messages') WHERE name = 'parent_seq'").get() !== undefined;
    const parent = this.hasParents ? 'parent_seq' : 'NULL AS parent_seq';
    const rows = this.fromShards(
      `SELECT id, chat_id, seq, ${parent}, role, content, tool_calls, status, client_message_id, created_at FROM chat_messages ORDER BY chat_id, seq`,
    )
      .map((r) => ({ ...r, toolCalls: r.tool_calls ? JSON.parse(r.tool_calls) : null }))
      .sort((a, b) => (a.chat_id < b.chat_id ? -1 : a.chat_id > b.chat_id ? 1 : a.seq - b.seq));
    this.messages = rows;
    this.byId = new Map();
    this.copies = new Map();
    for (const m of rows) {
      if (!this.byId.has(m.id)) this.byId.set(m.id, m);
      this.copies.set(m.id, [...(this.copies.get(m.id) ?? []), m.shard]);
    }
    this.byChat = new Map();
    for (const m of rows) {
      if (!this.byChat.has(m.chat_id)) this.byChat.set(m.chat_id, []);
      this.byChat.get(m.chat_id).push(m);
    }
    this.log = this.databases.all.flatMap((d) =>
      d.db
        .prepare('SELECT * FROM chaos_write_log ORDER BY id')
        .all()
        .map((r) => ({ ...r, db: d.binding })),
    );
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
    const rows = this.fromShards('SELECT id, chat_id, is_active, created_at, last_heartbeat_at, ended_at, end_reason FROM chat_sessions');
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
      const copies = this.copies.get(id)?.length ?? 0;
      const problem = !row
        ? 'acknowledged, not in D1'
        : copies !== 1
          ? `stored ${copies} times (in ${this.copies
              .get(id)
              .map((n) => `SHARD_${n}`)
              .join(', ')})`
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
    const chats = this.fromShards('SELECT id FROM chats');
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
    const titleWrites = new Map();
    for (const w of this.log) {
      if (w.tbl !== 'chats' || w.op !== 'UPDATE') continue;
      // The model's title (SPEC §4.7): the title changes and updated_at does not. The chaos users
      // never rename, so a chat gets at most one.
      if (w.title_changed && w.old_updated === w.new_updated) {
        titleWrites.set(w.chat_id, (titleWrites.get(w.chat_id) ?? 0) + 1);
        continue;
      }
      const candidates = touchable.get(`${w.chat_id} ${w.new_updated}`);
      if (!candidates) {
        unattributed.push(w);
        continue;
      }
      const target = candidates.find((m) => !touches.has(m.id)) ?? candidates[0];
      if (!touches.has(target.id)) touches.set(target.id, []);
      touches.get(target.id).push(w);
    }
    const wrong = unattributed.map((w) => ({
      chatId: w.chat_id,
      problem: `a chats UPDATE (updated_at ${w.old_updated} → ${w.new_updated}) that is no message's touch`,
      d1: this.context(w.chat_id),
    }));
    for (const [chatId, n] of titleWrites) if (n > 1) wrong.push({ chatId, problem: `the model's title written ${n} times`, d1: this.context(chatId) });
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
            problem: `touched again (write ${ids[i].db}#${ids[i].id} after ${ids[0].db}#${ids[0].id}) with no kill between`,
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
      modelTitles: titleWrites.size,
      totalLogged: this.log.length,
      byTable: countBy(this.log, (w) => `${w.tbl} ${w.op}`),
      byDatabase: countBy(this.log, (w) => w.db),
    };
    this.add('D1 writes per reply ≤ 2 (its row and its chat touch); a second touch only as a replay after a kill', replies, wrong);
  }

  /** A kill between two logged writes of one database (write log entries: their db and id). */
  #killBetween(a, b) {
    return a.db === b.db && this.killBoundaries.some((k) => k[a.db] >= a.id && k[a.db] < b.id);
  }

  /** Tools write D1 themselves: a task per tool turn, whatever retries and replays did. */
  taskEffects() {
    const tasks = Object.entries(countBy(this.fromShards("SELECT title FROM tasks WHERE title LIKE 'Buy chaos-%'"), (t) => t.title)).map(([title, n]) => ({
      title,
      n,
    }));
    const doubled = tasks.filter((t) => t.n > 1).map((t) => ({ title: t.title, copies: t.n }));
    this.figures.tasks = { titles: tasks.length, doubled: doubled.length, examples: doubled.slice(0, 5) };
  }

  // ── placement (SPEC §17) ─────────────────────────────────────────────────────────────────

  /**
   * Every row a user owns lives in the shard the directory files the user under (users.shard),
   * and in no other: each row of each shard table (by its user_id, or its chat's) belongs to a
   * user of that shard, and each acknowledged message is in exactly one shard, its owner's. The
   * owner of an acknowledged message is the client that holds its chat (`owners`: user index →
   * user id), not a row under audit. A run whose users all landed on one shard exercised none of
   * this, and says so as a violation.
   */
  placement(owners) {
    const directory = this.databases.directory;
    const home = new Map(
      directory
        .prepare('SELECT id, shard FROM users')
        .all()
        .map((r) => [r.id, r.shard]),
    );
    const wrong = [];
    let checked = 0;
    for (const s of this.databases.shards) {
      for (const table of ownedTables(s.db)) {
        const owner = table.byUser ? 't.user_id' : '(SELECT c.user_id FROM chats c WHERE c.id = t.chat_id)';
        for (const r of s.db.prepare(`SELECT ${owner} AS user_id, count(*) AS n FROM "${table.name}" t GROUP BY 1`).all()) {
          checked += r.n;
          const at = r.user_id === null ? undefined : home.get(r.user_id);
          if (at === s.shard) continue;
          wrong.push({
            shard: s.binding,
            table: table.name,
            rows: r.n,
            userId: r.user_id,
            problem:
              r.user_id === null
                ? 'rows whose chat is not in this shard'
                : at === undefined
                  ? 'rows of a user the directory does not know'
                  : `rows of a user the directory places on SHARD_${at}`,
          });
        }
      }
    }
    for (const [id, ack] of this.obs.acks) {
      checked += 1;
      const userId = owners.get(this.obs.chats.get(ack.chatId));
      const at = userId === undefined ? undefined : home.get(userId);
      const storedIn = this.copies.get(id) ?? [];
      if (at !== undefined && storedIn.length === 1 && storedIn[0] === at) continue;
      wrong.push({
        chatId: ack.chatId,
        seq: ack.seq,
        messageId: id,
        problem:
          userId === undefined
            ? 'acknowledged in a chat no client holds'
            : at === undefined
              ? 'its owner is not in the directory'
              : `its owner is on SHARD_${at}; stored in ${storedIn.map((n) => `SHARD_${n}`).join(', ') || 'no shard'}`,
        d1: this.context(ack.chatId, ack.seq),
      });
    }
    const clients = [...owners.values()];
    const perShard = countBy(
      clients.filter((u) => home.has(u)),
      (u) => `SHARD_${home.get(u)}`,
    );
    const unplaced = clients.filter((u) => !home.has(u) || !this.databases.shards.some((s) => s.shard === home.get(u)));
    for (const u of unplaced)
      wrong.push({ userId: u, problem: `signed up, yet the directory places it on ${home.has(u) ? `SHARD_${home.get(u)}, not bound` : 'no shard'}` });
    if (this.databases.shards.length > 1 && clients.length > 1 && Object.keys(perShard).length < 2)
      wrong.push({ problem: `every user is on one shard (${JSON.stringify(perShard)}): the run exercised no cross-shard path` });
    this.figures.placement = {
      usersPerShard: perShard,
      shardLoads: Object.fromEntries(
        directory
          .prepare('SELECT shard, users FROM shard_loads ORDER BY shard')
          .all()
          .map((r) => [`SHARD_${r.shard}`, r.users]),
      ),
      messagesPerShard: countBy(this.messages, (m) => `SHARD_${m.shard}`),
    };
    this.add("every user's rows live in their own shard only (each acknowledged message once, in its owner's shard)", checked, wrong);
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

/**
 * A shard's tables of user data: each names its owner (user_id) or its chat (chat_id). Not the
 * search index (a virtual table and its shadow tables, keyed by the messages' rowids), nor the
 * bookkeeping of migrations and of this harness.
 */
function ownedTables(db) {
  const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all();
  const virtual = tables.filter((t) => /^CREATE VIRTUAL/i.test(t.sql ?? '')).map((t) => t.name);
  return tables
    .map((t) => t.name)
    .filter((name) => !virtual.some((v) => name === v || name.startsWith(`${v}_`)) && name !== 'd1_migrations' && !name.startsWith('chaos_'))
    .map((name) => {
      const columns = new Set(
        db
          .prepare(`SELECT name FROM pragma_table_info('${name}')`)
          .all()
          .map((c) => c.name),
      );
      return { name, byUser: columns.has('user_id'), byChat: columns.has('chat_id') };
    })
    .filter((t) => t.byUser || t.byChat);
}
