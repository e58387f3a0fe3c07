/**
 * Starting a turn (SPEC §4.1–2, §12) on a chat already claimed: the login admitted and the
 * chat's window ready (cold: the build, the chat read and a first-seen login's D1 check side
 * by side; warm: no I/O at all), where the turn goes in the chat's tree settled (turn-branch.ts:
 * the head, or an edit's or a regeneration's branch), the turn limit taken, then the model
 * request sent — and only once it has left, the user's message made durable in the outbox and
 * acknowledged. A retried clientMessageId replays its stored turn instead. The generation runs
 * on without the caller.
 */
import type { Db } from '../db/client';
import { countStatementsIn } from '../db/counting';
import type { StatementCounter } from '../db/counting';
import { pageMessages } from '../db/messages';
import { messageRow } from '../db/messages';
import { siblingsOf } from '../db/message-paths';
import { branchFrom, followHead, retryFrom } from './turn-branch';
import type { Continuation } from './turn-branch';
import type { ChatMessage } from '../db/schema';
import { ONLY_CHILD, serializeMessage } from '../db/serialize';
import type { AppConfig } from '../shared/config';
import type { Owner } from '../shared/owner';
import type { SiblingsDto, TurnEvent } from '../shared/protocol';
import type { ChatAccess } from './chat-access';
import type { ChatLedger } from './chat-ledger';
import type { BuiltExecutor } from './executor-build';
import type { ExecutorCache } from './executor-cache';
import type { SendMessageRequest } from './rpc-contract';
import type { Claim } from './turn-claims';
import { needsRegeneration, storedTurn } from './turn/stored-turn';
import type { StoredTurn } from './turn/stored-turn';
import { runTurn } from './turn/turn-runner';
import { TurnStream } from './turn/turn-stream';
import { TurnClock } from './turn/turn-clock';
import { readyChat } from './chat-window';
import type { LoginGuard } from './login-guard';
import type { TurnLimiter } from './turn-limiter';
import { logError } from '../shared/safe-log';

/** How many messages after a retried user message are read to find its stored reply (other branches among them). */
const RETRY_LOOKAHEAD = 100;

export interface TurnStartDeps {
  db: Db;
  logins: LoginGuard;
  limiter: TurnLimiter;
  owner: Owner;
  config: AppConfig;
  cache: ExecutorCache<BuiltExecutor>;
  chats: ChatAccess;
  ledger: ChatLedger;
  /** How far the owner's shard has been written (a D1 bookmark), for `done` (SPEC §17). */
  bookmark(): string | null;
  /** Every event of the turn, for the chat's live sockets. */
  broadcast(chatId: string, event: TurnEvent): void;
  /** After the acknowledgment: the storage writes that must not delay the model request. */
  accepted(chatId: string): void;
  invalidatePrompt(): void;
  /** Runs once the generation has settled (the claim is already released). */
  settled(): Promise<void>;
  /** After the turn has ended (its `done` sent, its stream closed): work off the turn's path, such as the chat's title. */
  answered(question: ChatMessage, reply: ChatMessage, executor: BuiltExecutor): void;
}

/** Answers the turn's SSE stream; the claim is released when the generation settles, or at once on a refusal. */
export async function startTurn(
  deps: TurnStartDeps,
  request: SendMessageRequest,
  claim: Claim,
  beat: (at: number) => Promise<void>,
): Promise<ReadableStream<Uint8Array>> {
  // This turn's own D1 statements, whatever else the object does meanwhile.
  const own: StatementCounter = { d1Statements: 0 };
  try {
    return await countStatementsIn(own, () => beginTurn(deps, request, claim, beat, own));
  } catch (error) {
    claim.release();
    throw error;
  }
}

async function beginTurn(
  deps: TurnStartDeps,
  request: SendMessageRequest,
  claim: Claim,
  beat: (at: number) => Promise<void>,
  own: StatementCounter,
): Promise<ReadableStream<Uint8Array>> {
  const { chatId } = request;
  const startedAt = Date.now();
  const clock = new TurnClock(request.timing);
  clock.mark('rpc', startedAt);
  const { executor, warm } = await prepareChat(deps, request);
  clock.mark('prepare');

  const retried = request.clientMessageId ? await deps.ledger.findRetried(chatId, request.clientMessageId) : null;
  let next: Continuation;
  if (retried) {
    const stored = await storedTurnAfter(deps, retried);
    if (!needsRegeneration(stored)) {
      claim.release();
      return replayStoredTurn(retried, stored, await siblingsOf(deps.db, chatId, [retried.seq, stored.reply!.seq]), deps.bookmark);
    }
    next = await retryFrom(branchDeps(deps), executor, retried, stored);
  } else {
    next = request.branch ? await branchFrom(branchDeps(deps), executor, chatId, request.branch) : followHead(deps.ledger, chatId);
  }
  const reservation = deps.limiter.reserve(startedAt);
  // Refusals are behind us: the chat now shows the branch the turn continues.
  if (next.path) deps.ledger.moveHead(executor.windows, chatId, next.path, next.from);
  const asked = next.asked;
  const userMessage =
    asked ??
    messageRow({
      chatId,
      seq: deps.ledger.takeSeq(chatId),
      parentSeq: next.from,
      role: 'user',
      content: request.content,
      clientMessageId: request.clientMessageId ?? null,
      createdAt: startedAt,
    });
  const userSiblings = asked ? asked.siblings : next.siblings;

  const stream = new TurnStream((event) => deps.broadcast(chatId, event), deps.bookmark);
  let accepted = false;
  const accept = () => {
    if (accepted) return;
    accepted = true;
    // Storage writes, after the model request has left: the output gate holds this turn's
    // events (the acknowledgment first) until they are confirmed, but not the request.
    if (!asked) deps.ledger.acceptUserMessage({ ...userMessage, siblings: userSiblings });
    reservation.commit();
    deps.cache.countTurn(warm);
    stream.emit({ event: 'user_message', data: { message: serializeMessage({ ...userMessage, siblings: userSiblings }) } });
    void beat(startedAt).catch(() => undefined);
    deps.accepted(chatId);
  };
  const turn = {
    chatId,
    userMessage,
    // A new user message is answered by an only child; a stored one by a sibling of the replies it has.
    replyFrom: asked ? next.from! : userMessage.seq,
    replySiblings: asked ? next.siblings : ONLY_CHILD,
    startedAt,
    claim,
    stream,
    clock,
    accept,
    d1SinceArrival: () => request.timing.d1Statements + own.d1Statements,
  };
  void generate(deps, executor, turn);
  return stream.readable;
}

/** The chat ready (chat-window.ts) with a first-seen login's check alongside; warm: no I/O. */
async function prepareChat(deps: TurnStartDeps, request: SendMessageRequest): Promise<{ executor: BuiltExecutor; warm: boolean }> {
  const warm = deps.cache.current !== null;
  const { authSessionId, expiresAt } = request.login;
  const admission = deps.logins.knows(authSessionId) ? null : deps.logins.admit(authSessionId, expiresAt);
  return { executor: await readyChat(deps, request.chatId, admission), warm };
}

async function storedTurnAfter(deps: TurnStartDeps, userMessage: ChatMessage): Promise<StoredTurn> {
  await deps.ledger.flush();
  const following = await pageMessages(deps.db, userMessage.chatId, { after: userMessage.seq, limit: RETRY_LOOKAHEAD });
  return storedTurn(userMessage, following.messages);
}

const branchDeps = (deps: TurnStartDeps) => ({ db: deps.db, ledger: deps.ledger, windowSize: deps.config.historyWindow + 1 });

/** The stored turn for the retrying client only: the other tabs saw it when it happened. */
function replayStoredTurn(
  userMessage: ChatMessage,
  stored: StoredTurn,
  places: Map<number, SiblingsDto>,
  bookmark: () => string | null,
): ReadableStream<Uint8Array> {
  const replay = new TurnStream(() => undefined, bookmark);
  replay.emit({ event: 'user_message', data: { message: serializeMessage({ ...userMessage, siblings: places.get(userMessage.seq) }) } });
  for (const call of stored.toolCalls) replay.emit({ event: 'tool_call', data: call });
  for (const result of stored.toolResults) replay.emit({ event: 'tool_result', data: result });
  replay.emit({ event: 'assistant_message', data: { message: serializeMessage({ ...stored.reply!, siblings: places.get(stored.reply!.seq) }) } });
  replay.emit({ event: 'done', data: {} });
  replay.close();
  return replay.readable;
}

interface Generation {
  chatId: string;
  userMessage: ChatMessage;
  replyFrom: number;
  replySiblings: SiblingsDto;
  startedAt: number;
  claim: Claim;
  stream: TurnStream;
  clock: TurnClock;
  accept(): void;
  d1SinceArrival(): number;
}

async function generate(deps: TurnStartDeps, executor: BuiltExecutor, g: Generation): Promise<void> {
  const { chatId, claim, stream } = g;
  const { ledger, owner, config } = deps;
  let reply: ChatMessage | null = null;
  try {
    reply = await runTurn(
      {
        executor,
        config,
        clock: g.clock,
        accept: g.accept,
        d1SinceArrival: g.d1SinceArrival,
        checkpoints: ledger.checkpoints,
        toolContext: {
          db: deps.db,
          config,
          userId: owner.userId,
          agentName: owner.agentName,
          chatId,
          turnSeq: g.userMessage.seq,
          invalidatePrompt: deps.invalidatePrompt,
        },
        nextSeq: () => ledger.takeSeq(chatId),
        store: (...messages) => ledger.store(...messages),
        finish: (message, checkpointId) => ledger.finish(message, checkpointId),
      },
      {
        chatId,
        userMessage: g.userMessage,
        parentSeq: g.replyFrom,
        siblings: g.replySiblings,
        startedAt: g.startedAt,
        signal: claim.active.controller.signal,
        stream,
        progress: claim.active.progress,
      },
    );
  } catch (error) {
    logError('turn failed', error, { chatId }); // scrubbed: SPEC §13
    g.accept();
    stream.emit({ event: 'error', data: { code: 'internal', message: 'Something went wrong on our side while replying' } });
    stream.emit({ event: 'done', data: {} });
  } finally {
    stream.close();
    claim.release();
    await deps.settled().catch(() => undefined);
  }
  if (reply) deps.answered(g.userMessage, reply, executor);
}
