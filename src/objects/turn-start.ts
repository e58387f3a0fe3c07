/**
 * Starting a turn (SPEC §4.1–2) on a chat already claimed: the warm executor and the chat's
 * window (cold: the build and the chat read side by side), the user's message made durable in
 * the outbox before any byte of the response leaves, or, for a retried clientMessageId, the
 * stored turn replayed. The generation then runs on without the caller.
 */
import type { Db } from '../db/client';
import { pageMessages } from '../db/messages';
import { messageRow } from '../db/messages';
import type { ChatMessage } from '../db/schema';
import { serializeMessage } from '../db/serialize';
import type { AppConfig } from '../shared/config';
import type { Owner } from '../shared/owner';
import type { TurnEvent } from '../shared/protocol';
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

/** How many messages after a retried user message are read to find its stored reply. */
const RETRY_LOOKAHEAD = 50;

export interface TurnStartDeps {
  db: Db;
  owner: Owner;
  config: AppConfig;
  cache: ExecutorCache<BuiltExecutor>;
  chats: ChatAccess;
  ledger: ChatLedger;
  /** Every event of the turn, for the chat's live sockets. */
  broadcast(chatId: string, event: TurnEvent): void;
  invalidatePrompt(): void;
  /** Runs once the generation has settled (the claim is already released). */
  settled(): Promise<void>;
}

/** Answers the turn's SSE stream; the claim is released when the generation settles. */
export async function startTurn(deps: TurnStartDeps, request: SendMessageRequest, claim: Claim, beat: (at: number) => Promise<void>): Promise<ReadableStream<Uint8Array>> {
  const { chatId } = request;
  const startedAt = Date.now();
  const executor = await prepareChat(deps, chatId);
  await beat(startedAt);

  let userMessage = request.clientMessageId
    ? await deps.ledger.findRetried(executor.windows, chatId, request.clientMessageId, deps.config.historyWindow + 1)
    : null;
  if (userMessage) {
    const stored = await storedTurnAfter(deps, userMessage);
    if (!needsRegeneration(stored)) {
      claim.release();
      return replayStoredTurn(userMessage, stored);
    }
  } else {
    userMessage = messageRow({
      chatId,
      seq: deps.ledger.takeSeq(chatId),
      role: 'user',
      content: request.content,
      clientMessageId: request.clientMessageId ?? null,
      createdAt: startedAt,
    });
    // Durable in local storage before any byte of the response leaves (the output gate).
    deps.ledger.acceptUserMessage(userMessage);
  }

  const stream = new TurnStream((event) => deps.broadcast(chatId, event));
  stream.emit({ event: 'user_message', data: { message: serializeMessage(userMessage) } });
  void generate(deps, executor, { chatId, userMessage, startedAt, claim, stream });
  return stream.readable;
}

/**
 * The warm executor with this chat's window ready. Cold, the executor's build and the chat's
 * read (ownership and newest messages in one batch) run side by side.
 */
async function prepareChat(deps: TurnStartDeps, chatId: string): Promise<BuiltExecutor> {
  const { cache, chats, ledger } = deps;
  const ready = chats.knows(chatId) && ledger.knows(chatId) && cache.current?.windows.has(chatId);
  const [executor, newest] = await Promise.all([cache.acquire('turn'), ready ? null : chats.ownedWithLatest(chatId, deps.config.historyWindow + 1)]);
  if (newest && (!executor.windows.has(chatId) || !ledger.knows(chatId))) ledger.adopt(executor.windows, chatId, newest);
  return executor;
}

async function storedTurnAfter(deps: TurnStartDeps, userMessage: ChatMessage): Promise<StoredTurn> {
  await deps.ledger.flush();
  const following = await pageMessages(deps.db, userMessage.chatId, { after: userMessage.seq, limit: RETRY_LOOKAHEAD });
  return storedTurn(following.messages);
}

/** The stored turn for the retrying client only: the other tabs saw it when it happened. */
function replayStoredTurn(userMessage: ChatMessage, stored: StoredTurn): ReadableStream<Uint8Array> {
  const replay = new TurnStream(() => undefined);
  replay.emit({ event: 'user_message', data: { message: serializeMessage(userMessage) } });
  for (const call of stored.toolCalls) replay.emit({ event: 'tool_call', data: call });
  for (const result of stored.toolResults) replay.emit({ event: 'tool_result', data: result });
  replay.emit({ event: 'assistant_message', data: { message: serializeMessage(stored.reply!) } });
  replay.emit({ event: 'done', data: {} });
  replay.close();
  return replay.readable;
}

interface Generation {
  chatId: string;
  userMessage: ChatMessage;
  startedAt: number;
  claim: Claim;
  stream: TurnStream;
}

async function generate(deps: TurnStartDeps, executor: BuiltExecutor, g: Generation): Promise<void> {
  const { chatId, claim, stream } = g;
  const { ledger, owner, config } = deps;
  try {
    await runTurn(
      {
        executor,
        config,
        checkpoints: ledger.checkpoints,
        toolContext: { db: deps.db, config, userId: owner.userId, agentName: owner.agentName, chatId, invalidatePrompt: deps.invalidatePrompt },
        nextSeq: () => ledger.takeSeq(chatId),
        store: (...messages) => ledger.store(...messages),
        finish: (message, checkpointId) => ledger.finish(message, checkpointId),
      },
      { chatId, userMessage: g.userMessage, startedAt: g.startedAt, signal: claim.active.controller.signal, stream, progress: claim.active.progress },
    );
  } catch (error) {
    console.error(JSON.stringify({ msg: 'turn failed', chatId, error: String(error), stack: error instanceof Error ? error.stack : undefined }));
    stream.emit({ event: 'error', data: { code: 'internal', message: 'Something went wrong on our side while replying' } });
    stream.emit({ event: 'done', data: {} });
  } finally {
    stream.close();
    claim.release();
    await deps.settled().catch(() => undefined);
  }
}
