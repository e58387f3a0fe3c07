/**
 * AgentExecutor: one Durable Object per (user, agent) — the executor cache of SPEC §3. It only
 * wires small modules together: the session registry (liveness in its own storage), the alarm
 * planner (one rolling alarm), the executor cache (prompt, tools, model client, history
 * windows) and the D1 writes. Callers reach it over RPC with an owner the Worker derived
 * from the authenticated user.
 */
import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../worker/config';
import type { AppConfig, AppEnv } from '../worker/config';
import { findOwnedChat, pageMessages } from '../worker/chats/chat-queries';
import { serializeChat, serializeMessage, serializeSession } from '../worker/chats/serialize';
import type { ChatJson, MessageJson, SessionJson } from '../worker/chats/serialize';
import { createDb } from '../worker/db/client';
import type { Db } from '../worker/db/client';
import { chats } from '../worker/db/schema';
import type { Chat, ChatSession, EndReason } from '../worker/db/schema';
import { ApiError, notFound } from '../worker/errors';
import type { RpcResult } from '../worker/errors';
import { planAlarm, shouldEvict } from './alarm-planner';
import { deleteChatRows, endSessionRows, insertSession, latestOpenChat, newChat, persistHeartbeat, updateChatRow } from './chat-writes';
import { buildExecutor } from './executor-build';
import type { BuiltExecutor } from './executor-build';
import { ExecutorCache } from './executor-cache';
import { toWindowMessage } from './history-window';
import { bindOwner, storedOwner } from './owner';
import type { Owner } from './owner';
import { SerialQueue } from './serial-queue';
import { SessionRegistry } from './session-registry';
import type { LiveSession } from './session-registry';

export const FIRST_PAGE_SIZE = 50;

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
  readonly #serial = new SerialQueue();
  #owner: Owner | null;
  #lastActivityAt = Date.now();
  #inFlight = 0;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.#config = readConfig(env);
    this.#db = createDb(env.DB);
    this.#sessions = new SessionRegistry(ctx.storage.sql);
    this.#owner = storedOwner(ctx.storage.kv);
    this.#cache = new ExecutorCache(ctx.storage.kv, () => buildExecutor(this.#db, this.#config, this.#requireOwner(), env.OPENAI_API_KEY));
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
      if (now - live.lastBeatAt >= this.#config.sessionTtlMs) {
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
    return this.#rpc(owner, async () => {
      const chat = newChat(owner.userId, owner.agentName, Date.now());
      await this.#db.insert(chats).values(chat);
      return serializeChat(chat);
    });
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
        await deleteChatRows(this.#db, chatId);
        this.#sessions.removeChat(chatId);
        this.#cache.current?.windows.drop(chatId);
        await this.#reschedule();
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
        inFlight: this.#inFlight,
        nextAlarmAt: await this.ctx.storage.getAlarm(),
      };
    });
  }

  /** Drops the compiled prompt after instructions or memories change (SPEC §3.6). */
  async invalidatePrompt(owner: Owner): Promise<RpcResult<void>> {
    return this.#rpc(owner, async () => {
      this.#cache.current?.invalidatePrompt();
    });
  }

  // ── Alarm ────────────────────────────────────────────────────────────────────

  /**
   * SPEC §3.5–6: expire stale sessions, then evict an idle executor, then schedule the next
   * due moment (or nothing). D1 is written before local state changes, so a retry after a
   * failure redoes exactly what is left.
   */
  override async alarm(): Promise<void> {
    await this.#serial.run(async () => {
      const now = Date.now();
      const stale = this.#sessions.stale(now, this.#config.sessionTtlMs);
      await this.#endSessions(stale, 'expired', now, { reschedule: false });
      if (shouldEvict({ ...this.#activity(), now })) this.#cache.evict();
      await this.#reschedule();
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
    return chat;
  }

  async #openSession(request: OpenSessionRequest): Promise<OpenSessionResult> {
    const owner = this.#requireOwner();
    const now = Date.now();
    const executor = await this.#cache.acquire();

    const mine = request.clientInstanceId ? this.#sessions.findByClientInstance(request.clientInstanceId) : null;
    if (mine) {
      const fresh = now - mine.lastBeatAt < this.#config.sessionTtlMs;
      if (fresh && (!request.chatId || request.chatId === mine.chatId)) {
        const chat = await this.#ownedChat(mine.chatId);
        await this.#beat(mine, now);
        return this.#openResult(executor, chat, { ...mine, lastBeatAt: now }, false);
      }
      // The tab moved to another chat, or its session lapsed: that session is over.
      await this.#endSessions([mine], fresh ? 'replaced' : 'expired', now, { reschedule: false });
    }

    let chat = request.chatId ? await this.#ownedChat(request.chatId) : await latestOpenChat(this.#db, owner.userId, owner.agentName);
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
    const page = await pageMessages(this.#db, chat.id, { limit: FIRST_PAGE_SIZE });
    // The first page is the newest messages: it seeds the chat's history window for free.
    if (!executor.windows.has(chat.id) && (this.#config.historyWindow <= FIRST_PAGE_SIZE || !page.hasMore)) {
      executor.windows.load(chat.id, page.messages.map(toWindowMessage));
    }
    const owner = this.#requireOwner();
    return {
      created,
      session: serializeSession({ id: live.id, chatId: chat.id, agentName: owner.agentName, isActive: true, lastHeartbeatAt: live.lastBeatAt, createdAt: live.createdAt }),
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
    for (const s of sessions) this.#sessions.remove(s.id);
    this.#lastActivityAt = now;
    if (options.reschedule) await this.#reschedule();
  }

  #activity() {
    return {
      oldestBeatAt: this.#sessions.oldestBeatAt(),
      cached: this.#cache.current !== null,
      inFlight: this.#inFlight,
      lastActivityAt: this.#lastActivityAt,
      idleTtlMs: this.#config.executorIdleTtlMs,
    };
  }

  /** Keeps exactly one alarm at the earliest due moment, or none. */
  async #reschedule(): Promise<void> {
    const next = planAlarm({ ...this.#activity(), now: Date.now(), sessionTtlMs: this.#config.sessionTtlMs, orphanCheckAt: null });
    const current = await this.ctx.storage.getAlarm();
    if (next === null) {
      if (current !== null) await this.ctx.storage.deleteAlarm();
    } else if (current !== next) {
      await this.ctx.storage.setAlarm(next);
    }
  }
}
