/**
 * AgentExecutor: one Durable Object per (user, agent) — the executor cache of SPEC §3. It only
 * wires small modules together: the session registry (liveness in its own storage), the alarm
 * planner (one rolling alarm), the executor cache (prompt, tools, model client, history
 * windows), the chat ledger (seqs, outbox, checkpoints), the turn runner and the live channel.
 * Callers reach it over RPC with an owner the Worker derived from the authenticated user.
 */
import { DurableObject } from 'cloudflare:workers';
import type { LiveFrame, TurnEvent } from '../shared/protocol';
import { findOwnedChat, ownedChatWithLatest, pageMessages } from '../worker/chats/chat-queries';
import { serializeChat, serializeMessage, serializeSession } from '../worker/chats/serialize';
import type { ChatJson, MessageJson, SessionJson } from '../worker/chats/serialize';
import { readConfig } from '../worker/config';
import type { AppConfig, AppEnv } from '../worker/config';
import { createDb } from '../worker/db/client';
import type { Db } from '../worker/db/client';
import { chats } from '../worker/db/schema';
import type { Chat, ChatSession, EndReason } from '../worker/db/schema';
import { ApiError, ERROR_STATUS, errorBody, notFound } from '../worker/errors';
import type { RpcResult } from '../worker/errors';
import { planAlarm, shouldEvict } from './alarm-planner';
import { ChatLedger } from './chat-ledger';
import { deleteChatRows, endSessionRows, insertSession, latestOpenChat, newChat, persistHeartbeat, updateChatRow } from './chat-writes';
import { buildExecutor } from './executor-build';
import type { BuiltExecutor } from './executor-build';
import { ExecutorCache } from './executor-cache';
import { CLEAN_CLOSE_CODES, LiveChannel, parseLiveIntent } from './live-channel';
import type { SocketAttachment } from './live-channel';
import { messageRow } from './messages';
import { bindOwner, storedOwner } from './owner';
import type { Owner } from './owner';
import { SerialQueue } from './serial-queue';
import { SessionRegistry } from './session-registry';
import type { LiveSession } from './session-registry';
import { needsRegeneration, storedTurn } from './turn/stored-turn';
import { runTurn } from './turn/turn-runner';
import type { TurnProgress } from './turn/turn-runner';
import { TurnStream } from './turn/turn-stream';

export const FIRST_PAGE_SIZE = 50;
/** How soon the alarm retries D1 writes that failed (outbox, orphaned checkpoints). */
const RECOVERY_RETRY_MS = 5_000;
/** While a reply streams, an alarm stands by in case the object dies mid-reply. */
const IN_FLIGHT_WATCH_MS = 5 * 60_000;

export interface SendMessageRequest {
  chatId: string;
  content: string;
  clientMessageId?: string | undefined;
  sessionId?: string | undefined;
}

interface ActiveTurn {
  controller: AbortController;
  progress: TurnProgress;
  finished: Promise<void>;
}

export interface OpenSessionRequest {
  chatId?: string | undefined;
  clientInstanceId?: string | undefined;
  authSessionId: string | null;
}

export interface OpenSessionResult {
  created: boolean;
  session: SessionJson;
  chat: ChatJson;
  messages: MessageJson[];
  hasMore: boolean;
}

export interface ExecutorState {
  cached: boolean;
  builtAt: number | null;
  hits: number;
  misses: number;
  evictions: number;
  activeSessions: number;
  inFlight: number;
  nextAlarmAt: number | null;
}

export class AgentExecutor extends DurableObject<AppEnv> {
  readonly #config: AppConfig;
  readonly #db: Db;
  readonly #sessions: SessionRegistry;
  readonly #cache: ExecutorCache<BuiltExecutor>;
  readonly #ledger: ChatLedger;
  readonly #serial = new SerialQueue();
  /** In-flight generations by chat: at most one each (SPEC §4.6). */
  readonly #turns = new Map<string, ActiveTurn>();
  /** Chats confirmed to belong to this owner, so a warm turn skips the ownership read. */
  readonly #knownChats = new Set<string>();
  readonly #live: LiveChannel;
  #owner: Owner | null;
  #lastActivityAt = Date.now();

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.#config = readConfig(env);
    this.#db = createDb(env.DB);
    this.#sessions = new SessionRegistry(ctx.storage.sql);
    this.#live = new LiveChannel(ctx);
    this.#owner = storedOwner(ctx.storage.kv);
    this.#cache = new ExecutorCache(ctx.storage.kv, () => buildExecutor(this.#db, this.#config, this.#requireOwner(), env.OPENAI_API_KEY));
    this.#ledger = new ChatLedger(
      ctx.storage.sql,
      this.#db,
      () => this.#cache.current?.windows ?? null,
      (error: unknown) => this.#deferWrites(error),
    );
    if (this.#ledger.hasWork()) {
      // Woken after a crash or eviction with work left: finish it before serving anyone.
      void ctx.blockConcurrencyWhile(() => this.#recover());
    }
  }

  // ── RPC: sessions ────────────────────────────────────────────────────────────

  /** SPEC §3.1. Serialised, so N parallel opens for a chat-less (user, agent) make one chat. */
  async openSession(owner: Owner, request: OpenSessionRequest): Promise<RpcResult<OpenSessionResult>> {
    return this.#rpc(owner, () => this.#serial.run(() => this.#openSession(request)));
  }

  /** SPEC §3.2: a local write; D1 hears of it at most every HEARTBEAT_PERSIST_S. */
  async heartbeat(owner: Owner, sessionId: string): Promise<RpcResult<void>> {
    return this.#rpc(owner, async () => {
      const now = Date.now();
      const live = this.#sessions.get(sessionId);
      if (!live) throw new ApiError('gone', 'This session has ended; open a new one');
      // A socket that pinged since the last beat kept the session alive, even if it just dropped.
      const socketSeenAt = this.#live.lastSeenBySession().get(sessionId) ?? 0;
      if (now - Math.max(live.lastBeatAt, socketSeenAt) >= this.#config.sessionTtlMs) {
        await this.#serial.run(() => this.#endSessions([live], 'expired', now));
        throw new ApiError('gone', 'This session has expired; open a new one');
      }
      await this.#beat(live, now);
    });
  }

  /** SPEC §3.4. Idempotent: ending an ended session changes nothing. */
  async endSession(owner: Owner, sessionId: string, reason: EndReason): Promise<RpcResult<void>> {
    return this.#rpc(owner, () =>
      this.#serial.run(async () => {
        const live = this.#sessions.get(sessionId);
        if (live) await this.#endSessions([live], reason, Date.now());
      }),
    );
  }

  /** Logout: ends every live session opened with that login. Returns how many ended. */
  async endSessionsOfLogin(owner: Owner, authSessionId: string): Promise<RpcResult<number>> {
    return this.#rpc(owner, () =>
      this.#serial.run(async () => {
        const ending = this.#sessions.list().filter((s) => s.authSessionId === authSessionId);
        await this.#endSessions(ending, 'logout', Date.now());
        return ending.length;
      }),
    );
  }

  // ── RPC: chats ───────────────────────────────────────────────────────────────

  async createChat(owner: Owner): Promise<RpcResult<ChatJson>> {
    return this.#rpc(owner, async () => serializeChat(await this.#createChat()));
  }

  async updateChat(owner: Owner, chatId: string, patch: { title?: string | undefined; archived?: boolean | undefined }): Promise<RpcResult<ChatJson>> {
    return this.#rpc(owner, async () => {
      await this.#ownedChat(chatId);
      const now = Date.now();
      const changes: Partial<Chat> = { updatedAt: now };
      if (patch.title !== undefined) Object.assign(changes, { title: patch.title, titleLocked: true });
      if (patch.archived !== undefined) changes.archivedAt = patch.archived ? now : null;
      const chat = await updateChatRow(this.#db, chatId, changes);
      if (!chat) throw notFound('Chat');
      return serializeChat(chat);
    });
  }

  async deleteChat(owner: Owner, chatId: string): Promise<RpcResult<void>> {
    return this.#rpc(owner, () =>
      this.#serial.run(async () => {
        await this.#ownedChat(chatId);
        for (let active = this.#turns.get(chatId); active; active = this.#turns.get(chatId)) {
          active.controller.abort();
          await active.finished;
        }
        // Held while it is deleted: a send in between gets 409, never an orphan message.
        const { release } = this.#claim(chatId);
        try {
          await deleteChatRows(this.#db, chatId);
          this.#knownChats.delete(chatId);
          this.#ledger.forget(chatId);
          this.#sessions.removeChat(chatId);
          this.#live.closeChat(chatId, 'chat deleted');
          this.#cache.current?.windows.drop(chatId);
        } finally {
          release();
        }
        await this.#reschedule();
      }),
    );
  }

  // ── RPC: turns ───────────────────────────────────────────────────────────────

  /**
   * SPEC §4: stores the user's message (durably, in the outbox) and answers with the turn's
   * SSE stream, whose first event acknowledges it. The generation runs on without the caller.
   */
  async sendMessage(owner: Owner, request: SendMessageRequest): Promise<RpcResult<ReadableStream<Uint8Array>>> {
    return this.#rpc(owner, async () => {
      const { chatId } = request;
      if (this.#turns.has(chatId)) throw new ApiError('busy', 'A reply is still being generated in this chat');
      // Claim the chat before any await so a parallel send sees it busy.
      const { active, release } = this.#claim(chatId);
      try {
        return await this.#startTurn(request, active, release);
      } catch (error) {
        release();
        throw error;
      }
    });
  }

  /** SPEC §4.5: aborts the chat's generation; answers once the partial reply is stored. */
  async stop(owner: Owner, chatId: string): Promise<RpcResult<void>> {
    return this.#rpc(owner, async () => {
      await this.#checkChat(chatId);
      const active = this.#turns.get(chatId);
      if (!active) return;
      active.controller.abort();
      await active.finished;
    });
  }

  /**
   * Messages after `seq`, for a client catching up after its live socket reconnected. The
   * outbox is written to D1 first, so everything the snapshot's lastSeq counted is there.
   */
  async messagesAfter(owner: Owner, chatId: string, after: number, limit: number): Promise<RpcResult<{ messages: MessageJson[]; hasMore: boolean }>> {
    return this.#rpc(owner, async () => {
      await this.#checkChat(chatId);
      await this.#ledger.flush().catch((error: unknown) => this.#deferWrites(error));
      const page = await pageMessages(this.#db, chatId, { after, limit });
      const messages = this.#ledger
        .withPending(chatId, page.messages)
        .filter((m) => m.seq > after)
        .slice(0, limit);
      return { messages: messages.map(serializeMessage), hasMore: page.hasMore };
    });
  }

  /** Finds (or creates) the chat the compatibility endpoint talks to when it names none. */
  async resolveChat(owner: Owner, chatId: string | null): Promise<RpcResult<string>> {
    return this.#rpc(owner, () =>
      this.#serial.run(async () => {
        if (chatId) return (await this.#ownedChat(chatId)).id;
        const latest = await latestOpenChat(this.#db, owner.userId, owner.agentName);
        return (latest ?? (await this.#createChat())).id;
      }),
    );
  }

  // ── RPC: state ───────────────────────────────────────────────────────────────

  async getState(owner: Owner): Promise<RpcResult<ExecutorState>> {
    return this.#rpc(owner, async () => {
      const built = this.#cache.current;
      return {
        cached: built !== null,
        builtAt: built?.builtAt ?? null,
        ...this.#cache.stats(),
        activeSessions: this.#sessions.count(),
        inFlight: this.#turns.size,
        nextAlarmAt: await this.ctx.storage.getAlarm(),
      };
    });
  }

  /** Drops the compiled prompt after instructions or memories change (SPEC §3.6). */
  async invalidatePrompt(owner: Owner): Promise<RpcResult<void>> {
    return this.#rpc(owner, async () => {
      this.#cache.invalidatePrompt();
    });
  }

  // ── Live channel ─────────────────────────────────────────────────────────────

  /**
   * The WebSocket upgrade of GET /api/chats/:id/live — the one thing this object's fetch does.
   * The Worker has authenticated the caller and checked the chat before forwarding.
   */
  override async fetch(request: Request): Promise<Response> {
    const intent = parseLiveIntent(request);
    if (!intent) return new Response(null, { status: 404 });
    const result = await this.#rpc(intent.owner, async () => {
      const { chatId, sessionId } = intent;
      await this.#checkChat(chatId);
      const live = this.#sessions.get(sessionId);
      if (!live || live.chatId !== chatId) throw new ApiError('gone', 'This session has ended; open a new one');
      const lastSeq = await this.#ledger.lastStoredSeq(chatId);
      // The session (or the chat) may have ended while D1 answered.
      if (!this.#sessions.get(sessionId) || !this.#knownChats.has(chatId)) throw new ApiError('gone', 'This session has ended; open a new one');
      // From here to accept nothing awaits: the snapshot and the next delta cannot cross.
      const active = this.#turns.get(chatId);
      const inFlight = active?.progress.messageId
        ? { messageId: active.progress.messageId, text: active.progress.text, toolCalls: [...active.progress.toolCalls] }
        : null;
      const attachment: SocketAttachment = { chatId, sessionId, connectedAt: Date.now() };
      return this.#live.accept(attachment, { type: 'snapshot', lastSeq, inFlight });
    });
    if (result.ok) return result.value;
    return Response.json(errorBody(result.error.code, result.error.message), { status: ERROR_STATUS[result.error.code] });
  }

  /** A tab that closes its socket cleanly has left; a dropped one may come back, so it expires. */
  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    const attachment = socket.deserializeAttachment() as SocketAttachment | null;
    try {
      socket.close(code, reason);
    } catch {
      // the runtime already completed the close handshake
    }
    if (!attachment?.sessionId || !CLEAN_CLOSE_CODES.has(code)) return;
    const sessionId = attachment.sessionId;
    await this.#serial.run(async () => {
      const live = this.#sessions.get(sessionId);
      if (live) await this.#endSessions([live], 'unload', Date.now());
    });
  }

  override async webSocketMessage(): Promise<void> {
    // Clients only send `ping`, which the runtime answers itself; anything else is ignored.
  }

  // ── Alarm ────────────────────────────────────────────────────────────────────

  /**
   * SPEC §3.5–6: expire stale sessions, then evict an idle executor, then schedule the next
   * due moment (or nothing). D1 is written before local state changes, so a retry after a
   * failure redoes exactly what is left.
   */
  override async alarm(): Promise<void> {
    await this.#serial.run(async () => {
      try {
        await this.#beatFromSockets();
        const now = Date.now();
        const stale = this.#sessions.stale(now, this.#config.sessionTtlMs);
        await this.#endSessions(stale, 'expired', now, { reschedule: false });
        await this.#recover();
        if (shouldEvict({ ...this.#activity(), now })) this.#cache.evict();
        await this.#reschedule();
      } catch (error) {
        // The platform gives up on an alarm after a few failed retries; re-arming our own
        // keeps expiry and recovery going through a longer D1 outage.
        console.error(JSON.stringify({ msg: 'alarm failed; retrying', error: String(error) }));
        await this.ctx.storage.setAlarm(Date.now() + RECOVERY_RETRY_MS);
      }
    });
  }

  // ── internals ────────────────────────────────────────────────────────────────

  async #rpc<T>(owner: Owner, body: () => Promise<T>): Promise<RpcResult<T>> {
    this.#owner = bindOwner(this.ctx.storage.kv, owner);
    this.#lastActivityAt = Date.now();
    try {
      return { ok: true, value: await body() };
    } catch (error) {
      if (error instanceof ApiError) return { ok: false, error: { code: error.code, message: error.message } };
      throw error;
    }
  }

  #requireOwner(): Owner {
    if (!this.#owner) throw new Error('executor has no owner yet');
    return this.#owner;
  }

  async #ownedChat(chatId: string): Promise<Chat> {
    const owner = this.#requireOwner();
    const chat = await findOwnedChat(this.#db, owner.userId, chatId);
    if (!chat || chat.agentName !== owner.agentName) throw notFound('Chat');
    this.#knownChats.add(chat.id);
    return chat;
  }

  /** Refuses a chat that is not this owner's (one D1 read the first time, none after). */
  async #checkChat(chatId: string): Promise<void> {
    if (!this.#knownChats.has(chatId)) await this.#ownedChat(chatId);
  }

  async #createChat(): Promise<Chat> {
    const owner = this.#requireOwner();
    const chat = newChat(owner.userId, owner.agentName, Date.now());
    await this.#db.insert(chats).values(chat);
    this.#knownChats.add(chat.id);
    return chat;
  }

  async #openSession(request: OpenSessionRequest): Promise<OpenSessionResult> {
    const owner = this.#requireOwner();
    const now = Date.now();
    const executor = await this.#cache.acquire();

    // The chat asked for is checked before anything changes: a bad id ends nothing.
    const requested = request.chatId ? await this.#ownedChat(request.chatId) : null;
    const mine = request.clientInstanceId ? this.#sessions.findByClientInstance(request.clientInstanceId) : null;
    if (mine) {
      const fresh = now - mine.lastBeatAt < this.#config.sessionTtlMs;
      if (fresh && (!requested || requested.id === mine.chatId)) {
        const chat = requested ?? (await this.#ownedChat(mine.chatId));
        await this.#beat(mine, now);
        return this.#openResult(executor, chat, { ...mine, lastBeatAt: now }, false);
      }
      // The tab moved to another chat, or its session lapsed: that session is over.
      await this.#endSessions([mine], fresh ? 'replaced' : 'expired', now, { reschedule: false });
    }

    let chat = requested ?? (await latestOpenChat(this.#db, owner.userId, owner.agentName));
    const created = chat ? null : newChat(owner.userId, owner.agentName, now);
    chat ??= created!;
    const row: ChatSession = {
      id: crypto.randomUUID(),
      chatId: chat.id,
      userId: owner.userId,
      agentName: owner.agentName,
      authSessionId: request.authSessionId,
      clientInstanceId: request.clientInstanceId ?? null,
      isActive: true,
      createdAt: now,
      updatedAt: now,
      lastHeartbeatAt: now,
      endedAt: null,
      endReason: null,
    };
    await insertSession(this.#db, row, created);
    const live: LiveSession = {
      id: row.id,
      chatId: chat.id,
      authSessionId: row.authSessionId,
      clientInstanceId: row.clientInstanceId,
      createdAt: now,
      lastBeatAt: now,
      persistedBeatAt: now,
    };
    this.#sessions.add(live);
    await this.#reschedule();
    return this.#openResult(executor, chat, live, true);
  }

  async #openResult(executor: BuiltExecutor, chat: Chat, live: LiveSession, created: boolean): Promise<OpenSessionResult> {
    const stored = await pageMessages(this.#db, chat.id, { limit: FIRST_PAGE_SIZE });
    // Messages still in the outbox are acknowledged, so they belong in the page too.
    const page = { messages: this.#ledger.withPending(chat.id, stored.messages).slice(-FIRST_PAGE_SIZE), hasMore: stored.hasMore };
    // The first page is the newest messages: it seeds the chat's history window for free.
    if (!executor.windows.has(chat.id) && (this.#config.historyWindow < FIRST_PAGE_SIZE || !page.hasMore)) {
      this.#ledger.adopt(executor.windows, chat.id, page.messages);
    }
    const owner = this.#requireOwner();
    return {
      created,
      session: serializeSession({
        id: live.id,
        chatId: chat.id,
        agentName: owner.agentName,
        isActive: true,
        lastHeartbeatAt: live.lastBeatAt,
        createdAt: live.createdAt,
      }),
      chat: serializeChat(chat),
      messages: page.messages.map(serializeMessage),
      hasMore: page.hasMore,
    };
  }

  async #beat(live: LiveSession, now: number): Promise<void> {
    this.#sessions.beat(live.id, now);
    if (now - live.persistedBeatAt >= this.#config.heartbeatPersistMs) {
      await persistHeartbeat(this.#db, live.id, now);
      this.#sessions.markPersisted(live.id, now);
    }
    // Beats only ever move the earliest deadline later, so an alarm already set stays
    // correct: if it fires early it finds nothing stale and re-plans.
    if ((await this.ctx.storage.getAlarm()) === null) await this.#reschedule();
  }

  async #endSessions(sessions: LiveSession[], reason: EndReason, now: number, options = { reschedule: true }): Promise<void> {
    if (sessions.length === 0) return;
    await endSessionRows(
      this.#db,
      sessions.map((s) => s.id),
      reason,
      now,
    );
    for (const s of sessions) {
      this.#sessions.remove(s.id);
      this.#live.closeSession(s.id, `session ${reason}`);
    }
    this.#lastActivityAt = now;
    if (options.reschedule) await this.#reschedule();
  }

  #activity() {
    return {
      oldestBeatAt: this.#sessions.oldestBeatAt(),
      cached: this.#cache.current !== null,
      inFlight: this.#turns.size,
      lastActivityAt: this.#lastActivityAt,
      idleTtlMs: this.#config.executorIdleTtlMs,
    };
  }

  /**
   * Keeps exactly one alarm, no later than the earliest due moment, or none. An alarm already
   * set earlier is kept: firing early costs a no-op wake, while moving it on every beat or turn
   * would cost a storage write on the hot path.
   */
  async #reschedule(): Promise<void> {
    const now = Date.now();
    const orphanCheckAt = this.#ledger.hasPendingWrites(this.#turns.size) ? now + RECOVERY_RETRY_MS : this.#turns.size > 0 ? now + IN_FLIGHT_WATCH_MS : null;
    const next = planAlarm({ ...this.#activity(), now, sessionTtlMs: this.#config.sessionTtlMs, orphanCheckAt });
    const current = await this.ctx.storage.getAlarm();
    if (next === null) {
      if (current !== null) await this.ctx.storage.deleteAlarm();
    } else if (current === null || next < current) {
      await this.ctx.storage.setAlarm(next);
    }
  }

  // ── turn internals ───────────────────────────────────────────────────────────

  /**
   * Marks the chat busy. `release` frees it and settles `finished` for whoever waits on it
   * (stop, delete); it is safe to call more than once.
   */
  #claim(chatId: string): { active: ActiveTurn; release: () => void } {
    let settle!: () => void;
    const finished = new Promise<void>((resolve) => (settle = resolve));
    const active: ActiveTurn = { controller: new AbortController(), progress: { messageId: '', text: '', toolCalls: [] }, finished };
    this.#turns.set(chatId, active);
    const release = () => {
      if (this.#turns.get(chatId) === active) this.#turns.delete(chatId);
      settle();
    };
    return { active, release };
  }

  async #startTurn(request: SendMessageRequest, active: ActiveTurn, release: () => void): Promise<ReadableStream<Uint8Array>> {
    const owner = this.#requireOwner();
    const { chatId } = request;
    const startedAt = Date.now();
    const executor = await this.#prepareChat(chatId);
    if (request.sessionId) {
      const live = this.#sessions.get(request.sessionId);
      if (live && live.chatId === chatId && startedAt - live.lastBeatAt < this.#config.sessionTtlMs) await this.#beat(live, startedAt);
    }

    const stream = new TurnStream((event) => this.#toSockets(chatId, event));
    let userMessage = request.clientMessageId
      ? await this.#ledger.findRetried(executor.windows, chatId, request.clientMessageId, this.#config.historyWindow + 1)
      : null;
    if (userMessage) {
      await this.#ledger.flush();
      const following = await pageMessages(this.#db, chatId, { after: userMessage.seq, limit: 50 });
      const stored = storedTurn(following.messages);
      if (!needsRegeneration(stored)) {
        // A replay for the retrying client only: the other tabs saw this turn when it happened.
        const replay = new TurnStream(() => undefined);
        replay.emit({ event: 'user_message', data: { message: serializeMessage(userMessage) } });
        for (const call of stored.toolCalls) replay.emit({ event: 'tool_call', data: call });
        for (const result of stored.toolResults) replay.emit({ event: 'tool_result', data: result });
        replay.emit({ event: 'assistant_message', data: { message: serializeMessage(stored.reply!) } });
        replay.emit({ event: 'done', data: {} });
        replay.close();
        release();
        return replay.readable;
      }
    } else {
      userMessage = messageRow({
        chatId,
        seq: this.#ledger.takeSeq(chatId),
        role: 'user',
        content: request.content,
        clientMessageId: request.clientMessageId ?? null,
        createdAt: startedAt,
      });
      // Durable in local storage before any byte of the response leaves (the output gate).
      this.#ledger.acceptUserMessage(userMessage);
    }
    stream.emit({ event: 'user_message', data: { message: serializeMessage(userMessage) } });

    void runTurn(
      {
        executor,
        config: this.#config,
        checkpoints: this.#ledger.checkpoints,
        toolContext: {
          db: this.#db,
          config: this.#config,
          userId: owner.userId,
          agentName: owner.agentName,
          chatId,
          invalidatePrompt: () => this.#cache.invalidatePrompt(),
        },
        nextSeq: () => this.#ledger.takeSeq(chatId),
        store: (...messages) => this.#ledger.store(...messages),
        finish: (message, checkpointId) => this.#ledger.finish(message, checkpointId),
      },
      { chatId, userMessage, startedAt, signal: active.controller.signal, stream, progress: active.progress },
    )
      .catch((error: unknown) => {
        console.error(JSON.stringify({ msg: 'turn failed', chatId, error: String(error), stack: error instanceof Error ? error.stack : undefined }));
        stream.emit({ event: 'error', data: { code: 'internal', message: 'Something went wrong on our side while replying' } });
        stream.emit({ event: 'done', data: {} });
      })
      .finally(async () => {
        stream.close();
        this.#lastActivityAt = Date.now();
        release();
        await this.#reschedule().catch(() => undefined);
      });
    await this.#reschedule();
    return stream.readable;
  }

  /**
   * The warm executor with this chat's window ready. Cold, the executor's build and the chat's
   * read (ownership and newest messages in one batch) run side by side.
   */
  async #prepareChat(chatId: string): Promise<BuiltExecutor> {
    const owner = this.#requireOwner();
    const ready = this.#knownChats.has(chatId) && this.#ledger.knows(chatId) && this.#cache.current?.windows.has(chatId);
    const windowSize = this.#config.historyWindow + 1;
    const [executor, read] = await Promise.all([this.#cache.acquire(), ready ? null : ownedChatWithLatest(this.#db, owner.userId, chatId, windowSize)]);
    if (read) {
      if (!read.chat || read.chat.agentName !== owner.agentName) throw notFound('Chat');
      this.#knownChats.add(chatId);
      if (!executor.windows.has(chatId) || !this.#ledger.knows(chatId)) this.#ledger.adopt(executor.windows, chatId, read.messages);
    }
    return executor;
  }

  #deferWrites(error: unknown): void {
    console.error(JSON.stringify({ msg: 'D1 write deferred to the alarm', error: String(error) }));
    void this.ctx.storage.setAlarm(Date.now() + RECOVERY_RETRY_MS);
  }

  async #recover(): Promise<void> {
    await this.#ledger.recover((c) => this.#turns.get(c.chatId)?.progress.messageId === c.messageId);
  }

  #toSockets(chatId: string, event: TurnEvent): void {
    if (event.event === 'done') return; // a live channel has no end of turn of its own
    this.#live.broadcast(chatId, { type: event.event, ...event.data } as LiveFrame);
  }

  /** Sockets that pinged (or connected) since their session's last beat count as heartbeats. */
  async #beatFromSockets(): Promise<void> {
    for (const [sessionId, at] of this.#live.lastSeenBySession()) {
      const live = this.#sessions.get(sessionId);
      if (live && at > live.lastBeatAt) await this.#beat(live, at);
    }
  }
}
