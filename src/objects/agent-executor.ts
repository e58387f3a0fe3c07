/**
 * AgentExecutor: one Durable Object per (user, agent), the executor cache of SPEC §3. It knows
 * whose it is from its own name and only wires single-purpose modules together; each RPC
 * method answers an RpcResult (see rpc-contract.ts). docs/ARCHITECTURE.md maps the modules.
 */
import { DurableObject } from 'cloudflare:workers';
import { createDb } from '../db/client';
import { countingD1 } from '../db/counting';
import { directoryDb, ownerShardD1 } from '../db/shards';
import type { Db } from '../db/client';
import { serializeChat, serializeMessage } from '../db/serialize';
import type { ChatMessage } from '../db/schema';
import type { ChatDto, ContextDto, EndReason, HeadPage, ImportResultDto } from '../shared/api';
import { readConfig } from '../shared/config';
import type { AppConfig, AppEnv } from '../shared/config';
import { ApiError, ERROR_STATUS, errorBody } from '../shared/errors';
import type { RpcResult } from '../shared/errors';
import { logError } from '../shared/safe-log';
import { parseLiveIntent } from '../shared/live-intent';
import type { Owner } from '../shared/owner';
import type { LiveFrame, MessageDto, TurnEvent } from '../shared/protocol';
import { AlarmScheduler } from './alarm-scheduler';
import { ChatAccess } from './chat-access';
import { deleteChat } from './chat-deletion';
import { importChats } from './chat-import';
import type { ImportConversation } from './chat-import';
import type { ChatDeletionDeps } from './chat-deletion';
import { switchHead } from './chat-head';
import { ChatLedger } from './chat-ledger';
import { earnsTitle, titleChat } from './chat-title';
import { readyChat } from './chat-window';
import { previewContext } from './context-preview';
import { CrashReplay } from './crash-replay';
import { Drafts } from './drafts';
import type { Draft } from './drafts';
import { buildExecutor } from './executor-build';
import type { BuiltExecutor } from './executor-build';
import { ExecutorCache } from './executor-cache';
import { executorIdentity, rememberedShard } from './executor-identity';
import { CLEAN_CLOSE_CODES, LiveChannel } from './live-channel';
import type { SocketAttachment } from './live-channel';
import { acceptLiveSocket } from './live-upgrade';
import type { LiveUpgradeDeps } from './live-upgrade';
import { LoginGuard } from './login-guard';
import { answer } from './rpc-contract';
import type { ChatPatch, ExecutorState, OpenSessionRequest, OpenSessionResult, SendMessageRequest } from './rpc-contract';
import { SerialQueue } from './serial-queue';
import { SessionLifecycle } from './session-lifecycle';
import { openSession } from './session-open';
import type { SessionOpenDeps } from './session-open';
import { SessionRegistry } from './session-registry';
import { TurnClaims } from './turn-claims';
import { TurnLimiter } from './turn-limiter';
import { startTurn } from './turn-start';
import type { TurnStartDeps } from './turn-start';

export class AgentExecutor extends DurableObject<AppEnv> {
  readonly #owner: Owner;
  readonly #config: AppConfig;
  readonly #db: Db;
  /** Logins and share links live in the directory; everything else of the owner in #db. */
  readonly #directory: Db;
  readonly #bookmark: () => string | null;
  /** Opens, ends, deletes and the alarm run one at a time: N parallel opens make one chat. */
  readonly #serial = new SerialQueue();
  readonly #claims = new TurnClaims();
  readonly #registry: SessionRegistry;
  readonly #live: LiveChannel;
  readonly #cache: ExecutorCache<BuiltExecutor>;
  readonly #chats: ChatAccess;
  readonly #alarm: AlarmScheduler;
  readonly #replay: CrashReplay;
  readonly #ledger: ChatLedger;
  readonly #sessions: SessionLifecycle;
  readonly #logins: LoginGuard;
  readonly #limiter: TurnLimiter;
  readonly #drafts: Drafts;
  readonly #deps: TurnStartDeps & SessionOpenDeps & ChatDeletionDeps & LiveUpgradeDeps;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.#owner = executorIdentity(ctx);
    this.#config = readConfig(env);
    // The owner's shard (SPEC §17), learned once. Statements are counted per turn
    // (d1BeforeFirstToken): see countStatementsIn in turn-start.ts.
    const shard = ownerShardD1(env, this.#owner.userId, rememberedShard(ctx));
    this.#db = createDb(countingD1(shard.d1));
    this.#bookmark = shard.bookmark;
    this.#directory = directoryDb(env);
    this.#registry = new SessionRegistry(ctx.storage.sql);
    this.#live = new LiveChannel(ctx);
    this.#cache = new ExecutorCache(ctx.storage.kv, () => buildExecutor(this.#db, this.#config, this.#owner, env.OPENAI_API_KEY));
    this.#chats = new ChatAccess(this.#db, this.#owner, this.#config.maxChatsPerUser);
    this.#alarm = new AlarmScheduler(
      ctx.storage,
      {
        oldestBeatAt: () => this.#registry.oldestBeatAt(),
        cached: () => this.#cache.current !== null,
        inFlight: () => this.#claims.size,
        hasPendingWrites: (inFlight) => this.#ledger.hasPendingWrites(inFlight),
        loginExpiresAt: () => this.#live.earliestLoginExpiry(),
      },
      { sessionTtlMs: this.#config.sessionTtlMs, idleTtlMs: this.#config.executorIdleTtlMs },
    );
    this.#replay = new CrashReplay(
      () => this.#ledger,
      this.#claims,
      () => this.#alarm.retrySoon(),
    );
    this.#ledger = new ChatLedger(
      ctx.storage.sql,
      this.#db,
      () => this.#cache.current?.windows ?? null,
      (error) => this.#replay.defer(error),
    );
    this.#logins = new LoginGuard(ctx.storage.sql, this.#directory);
    this.#sessions = new SessionLifecycle(
      this.#db,
      this.#registry,
      this.#live,
      this.#alarm,
      this.#config,
      (socket, now) => socket.loginExpiresAt > now && !this.#logins.isRevoked(socket.authSessionId),
    );
    this.#limiter = new TurnLimiter(ctx.storage.sql, this.#config.turnsPerMinute);
    this.#drafts = new Drafts(ctx.storage.sql);
    this.#deps = this.#wire();
    this.#replay.onWake(ctx);
  }

  // ── RPC: sessions (SPEC §3) ──────────────────────────────────────────────────

  async openSession(request: OpenSessionRequest): Promise<RpcResult<OpenSessionResult>> {
    return this.#rpc(() =>
      this.#serial.run(async () => {
        if (request.login.authSessionId) this.#logins.markValid(request.login.authSessionId, request.login.expiresAt);
        const executor = await this.#cache.acquire();
        const result = await openSession(this.#deps, executor, request);
        await this.#alarm.reschedule();
        return result;
      }),
    );
  }

  async heartbeat(sessionId: string): Promise<RpcResult<void>> {
    return this.#rpc(() => this.#serial.run(() => this.#sessions.heartbeat(sessionId)));
  }

  async endSession(sessionId: string, reason: EndReason): Promise<RpcResult<void>> {
    return this.#rpc(() => this.#serial.run(() => this.#sessions.endById(sessionId, reason)));
  }

  /** Logout: the login is refused from now on, its sessions end and their sockets close. */
  async logout(authSessionId: string, expiresAt: number): Promise<RpcResult<number>> {
    this.#logins.revoke(authSessionId, expiresAt);
    return this.#rpc(() => this.#serial.run(() => this.#sessions.endOfLogin(authSessionId)));
  }

  // ── RPC: chats ───────────────────────────────────────────────────────────────

  async createChat(): Promise<RpcResult<ChatDto>> {
    return this.#rpc(async () => serializeChat(await this.#chats.create()));
  }

  /** New chats of this agent from an import file the Worker has parsed and checked (SPEC §15). */
  async importChats(conversations: ImportConversation[]): Promise<RpcResult<ImportResultDto>> {
    return this.#rpc(() => importChats({ db: this.#db, owner: this.#owner, maxChats: this.#config.maxChatsPerUser }, conversations));
  }

  async updateChat(chatId: string, patch: ChatPatch): Promise<RpcResult<ChatDto>> {
    return this.#rpc(async () => {
      const chat = await this.#chats.update(chatId, patch);
      // The chat's open tabs show the new name (a generated title reaches them the same way).
      if (patch.title !== undefined) this.#live.broadcast(chatId, { type: 'title', title: chat.title });
      return serializeChat(chat);
    });
  }

  /** Deletes the chat with its messages and sessions; the memories it wrote go too, or stay without a source. */
  async deleteChat(chatId: string, memories: 'delete' | 'keep'): Promise<RpcResult<void>> {
    return this.#rpc(() =>
      this.#serial.run(async () => {
        await deleteChat(this.#deps, chatId, memories);
        await this.#alarm.reschedule();
      }),
    );
  }

  /** The chat the compatibility endpoint talks to: the one named, or the latest, or a new one. */
  async resolveChat(chatId: string | null): Promise<RpcResult<string>> {
    return this.#rpc(() =>
      this.#serial.run(async () => {
        // A turn the limit would refuse must not create a chat first.
        if (!chatId) this.#limiter.check();
        return (await this.#chats.resolve(chatId)).id;
      }),
    );
  }

  // ── RPC: turns (SPEC §4) ─────────────────────────────────────────────────────

  /** Answers the turn's SSE stream, whose first event acknowledges the stored user message. */
  async sendMessage(request: SendMessageRequest): Promise<RpcResult<ReadableStream<Uint8Array>>> {
    return this.#rpc(async () => {
      if (this.#claims.isBusy(request.chatId)) throw new ApiError('busy', 'A reply is still being generated in this chat');
      // Claimed before any await, so a parallel send sees the chat busy.
      const claim = this.#claims.claim(request.chatId);
      const beat = (at: number) => (request.sessionId ? this.#sessions.beatIfLive(request.sessionId, request.chatId, at) : Promise.resolve());
      return startTurn(this.#deps, request, claim, beat);
    });
  }

  /** Aborts the chat's generation; answers once the partial reply is stored. */
  async stop(chatId: string): Promise<RpcResult<void>> {
    return this.#rpc(async () => {
      await this.#chats.check(chatId);
      await this.#claims.abort(chatId);
    });
  }

  /** Messages after `seq` on the head's path for a reconnecting client, the outbox included. */
  async messagesAfter(chatId: string, after: number, limit: number): Promise<RpcResult<{ messages: MessageDto[]; hasMore: boolean }>> {
    return this.#rpc(async () => {
      await this.#chats.check(chatId);
      await this.#ledger.flush().catch((error: unknown) => this.#replay.defer(error));
      const page = await this.#ledger.page(chatId, { after, limit });
      return { messages: page.messages.map(serializeMessage), hasMore: page.hasMore };
    });
  }

  /** Shows the newest conversation through message `seq` (SPEC §16); the chat's other tabs reload. */
  async selectHead(chatId: string, seq: number, fromSession: string | undefined): Promise<RpcResult<HeadPage>> {
    return this.#rpc(() => switchHead(this.#deps, chatId, seq, fromSession));
  }

  // ── RPC: what the agent sees, drafts (SPEC §14) ─────────────────────────────

  /** Exactly what the next turn would send before its new message, built by the turn's own code. */
  async context(chatId: string): Promise<RpcResult<ContextDto>> {
    return this.#rpc(async () => previewContext(this.#deps, await readyChat(this.#deps, chatId), chatId));
  }

  async draft(chatId: string): Promise<RpcResult<Draft | null>> {
    return this.#rpc(async () => {
      await this.#chats.check(chatId);
      return this.#drafts.get(chatId);
    });
  }

  /** Saves the chat's draft and shows it in the chat's other tabs (not the typing one). */
  async saveDraft(chatId: string, text: string, fromSession: string | undefined): Promise<RpcResult<void>> {
    return this.#rpc(async () => {
      await this.#chats.check(chatId);
      this.#live.broadcast(chatId, { type: 'draft', ...this.#drafts.save(chatId, text) }, fromSession);
    });
  }

  // ── RPC: state ───────────────────────────────────────────────────────────────

  async getState(): Promise<RpcResult<ExecutorState>> {
    return this.#rpc(async () => ({
      cached: this.#cache.current !== null,
      builtAt: this.#cache.current?.builtAt ?? null,
      ...this.#cache.stats(),
      activeSessions: this.#registry.count(),
      inFlight: this.#claims.size,
      nextAlarmAt: await this.#alarm.nextAlarmAt(),
    }));
  }

  /** Instructions or memories changed: the compiled prompt is stale (SPEC §3.6). */
  async invalidatePrompt(): Promise<RpcResult<void>> {
    return this.#rpc(async () => this.#cache.invalidatePrompt());
  }

  // ── Live channel (SPEC §5) ───────────────────────────────────────────────────

  /** The WebSocket upgrade the Worker forwards after authenticating it: the only fetch. */
  override async fetch(request: Request): Promise<Response> {
    const intent = parseLiveIntent(request);
    if (!intent) return new Response(null, { status: 404 });
    const result = await this.#rpc(() => acceptLiveSocket(this.#deps, intent));
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
    const sessionId = attachment?.sessionId;
    if (sessionId) await this.#serial.run(() => this.#sessions.socketClosed(socket, sessionId, CLEAN_CLOSE_CODES.has(code)));
  }

  override async webSocketMessage(): Promise<void> {
    // Clients only send `ping`, which the runtime answers itself; anything else is ignored.
  }

  // ── Alarm (SPEC §3.5–6) ──────────────────────────────────────────────────────

  /** Expire stale sessions, replay left-over writes, evict when idle, plan the next alarm. */
  override async alarm(): Promise<void> {
    await this.#serial.run(async () => {
      try {
        await this.#sessions.expireStale(Date.now());
        await this.#replay.replay();
        this.#logins.prune();
        this.#limiter.prune();
        if (this.#alarm.idle()) this.#cache.evict();
        await this.#alarm.reschedule();
      } catch (error) {
        // The platform gives up on an alarm after a few failed retries; re-arming our own
        // keeps expiry and recovery going through a longer D1 outage.
        logError('alarm failed; retrying', error); // scrubbed: SPEC §13
        await this.#alarm.retrySoon();
      }
    });
  }

  // ── wiring ───────────────────────────────────────────────────────────────────

  #rpc<T>(body: () => Promise<T>): Promise<RpcResult<T>> {
    this.#alarm.touch();
    return answer(body);
  }

  /** What the modules need, in one object built once: each module takes the part it uses. */
  #wire() {
    return {
      db: this.#db,
      directory: this.#directory,
      bookmark: this.#bookmark,
      owner: this.#owner,
      config: this.#config,
      historyWindow: this.#config.historyWindow,
      maxActiveSessions: this.#config.maxActiveSessions,
      maxSocketsPerChat: this.#config.maxSocketsPerChat,
      cache: this.#cache,
      chats: this.#chats,
      ledger: this.#ledger,
      registry: this.#registry,
      lifecycle: this.#sessions,
      drafts: this.#drafts,
      logins: this.#logins,
      limiter: this.#limiter,
      claims: this.#claims,
      live: this.#live,
      alarm: this.#alarm,
      accepted: (chatId: string) => {
        // The message is sent: its draft is done, in every tab.
        if (this.#drafts.clear(chatId)) this.#live.broadcast(chatId, { type: 'draft', text: '', updatedAt: Date.now() });
        void this.#alarm.reschedule().catch(() => undefined);
      },
      broadcast: (chatId: string, event: TurnEvent) => {
        // A live channel has no end of turn of its own.
        if (event.event !== 'done') this.#live.broadcast(chatId, { type: event.event, ...event.data } as LiveFrame);
      },
      invalidatePrompt: () => this.#cache.invalidatePrompt(),
      answered: (question: ChatMessage, reply: ChatMessage, executor: BuiltExecutor) => {
        if (!earnsTitle(question, reply)) return;
        const deps = {
          db: this.#db,
          userId: this.#owner.userId,
          client: executor.client,
          model: executor.model,
          maxTokens: this.#config.titleMaxTokens,
          announce: (chatId: string, title: string) => this.#live.broadcast(chatId, { type: 'title', title }),
        };
        // Off the turn's path: the reply's `done` has gone and the chat is free for the next send.
        this.ctx.waitUntil(titleChat(deps, question, reply));
      },
      settled: () => {
        this.#alarm.touch();
        return this.#alarm.reschedule();
      },
    };
  }
}
