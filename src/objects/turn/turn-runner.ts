/**
 * One chat turn after the user's message is durable (SPEC §4.3–5): build the context, stream
 * the model, run tools for at most MAX_TOOL_ROUNDS, checkpoint the partial reply locally, and
 * end with exactly one stored assistant message — complete, interrupted or error — and a
 * `done` event, whatever happens.
 */
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { AppConfig } from '../../shared/config';
import { serializeMessage } from '../../db/serialize';
import type { ChatMessage } from '../../db/schema';
import type { MessageStatus, MessageTimings, SiblingsDto } from '../../shared/protocol';
import type { BuiltExecutor } from '../executor-build';
import { toWindowMessage } from '../history-window';
import type { ToolCallRecord } from '../history-window';
import { messageRow } from '../../db/messages';
import { toModelToolCall } from '../model-messages';
import type { ToolContext } from '../tools/tool-registry';
import { CHECKPOINT_INTERVAL_MS } from './checkpoints';
import { refusedToolCall } from '../tools/tool-registry';
import type { CheckpointStore } from './checkpoints';
import { CUT_OFF, describeModelError, STOPPED } from './model-errors';
import type { TurnFailure } from './model-errors';
import { buildModelContext } from './model-context';
import { streamModelReply } from './model-stream';
import { whenRequestSent } from './request-sent';
import type { TurnClock } from './turn-clock';
import type { TurnStream } from './turn-stream';

export interface TurnDeps {
  executor: BuiltExecutor;
  clock: TurnClock;
  /**
   * Makes the user's message durable and acknowledges it (`user_message`). Called as soon as
   * the model request has left, or before the turn reports anything else; idempotent.
   */
  accept(): void;
  /** D1 statements issued for this turn since it arrived at the Worker. */
  d1SinceArrival(): number;
  config: AppConfig;
  checkpoints: CheckpointStore;
  toolContext: ToolContext;
  nextSeq(): number;
  /** Makes intermediate messages (tool calls and results) durable and part of the window. */
  store(...messages: ReplyMessage[]): void;
  /** Makes the final assistant message durable now; settles once everything pending is in D1. */
  finish(message: ReplyMessage, checkpointId: string): Promise<void>;
}

/** A message of the reply, the first with its place among the replies to the same message. */
export type ReplyMessage = ChatMessage & { siblings?: SiblingsDto | undefined };

/** What the live channel shows a tab that joins mid-reply. */
export interface TurnProgress {
  messageId: string;
  text: string;
  toolCalls: ToolCallRecord[];
}

export interface TurnInput {
  chatId: string;
  userMessage: ChatMessage;
  /**
   * The message the reply follows (SPEC §16): the user message, or — when a failed turn is
   * retried — the last of its tool results. Each message of the reply follows the one before.
   */
  parentSeq: number;
  /** The first message of the reply among the other replies to `parentSeq` (a regeneration has some). */
  siblings: SiblingsDto;
  startedAt: number;
  signal: AbortSignal;
  stream: TurnStream;
  progress: TurnProgress;
}

/** Answers the turn's final assistant message, stored and announced with `done`. */
export async function runTurn(deps: TurnDeps, input: TurnInput): Promise<ReplyMessage> {
  const { executor, config } = deps;
  const { stream, signal, progress } = input;
  const clock = { buildMs: 0, ttftMs: null as number | null, toolMs: 0 };
  const usage = { prompt: 0, completion: 0 };
  let d1BeforeFirstToken: number | null = null;

  const conversation = await buildContext(deps, input);
  clock.buildMs = Date.now() - input.startedAt;
  deps.clock.mark('build');
  // The message the next one follows, and the place of the reply's first message among its siblings.
  let parentSeq = input.parentSeq;
  let siblings: SiblingsDto | undefined = input.siblings;
  const place = (message: ChatMessage): ReplyMessage => {
    const placed = { ...message, siblings };
    parentSeq = message.seq;
    siblings = undefined;
    return placed;
  };

  /** Stores the round's reply, complete or with the failure that ended it, and ends the stream. */
  const settle = async (content: string, failure: TurnFailure | null, seq: number, messageId: string) => {
    deps.accept(); // a turn that fails before its request left still acknowledges the message first
    const status: MessageStatus = failure === null ? 'complete' : failure.code === 'interrupted' ? 'interrupted' : 'error';
    deps.clock.mark('store');
    const timings: MessageTimings = { ...clock, totalMs: Date.now() - input.startedAt, stages: deps.clock.stages(), d1BeforeFirstToken };
    const message = place(
      messageRow({
        id: messageId,
        chatId: input.chatId,
        seq,
        parentSeq,
        role: 'assistant',
        content,
        status,
        model: executor.model,
        promptTokens: usage.prompt || null,
        completionTokens: usage.completion || null,
        timings,
      }),
    );
    const inD1 = deps.finish(message, messageId);
    // A stop is the user's own doing: the partial reply is the answer, not an error.
    if (failure && failure.code !== 'interrupted') stream.emit({ event: 'error', data: { code: failure.code, message: failure.message } });
    stream.emit({ event: 'assistant_message', data: { message: serializeMessage(message) } });
    // `done` waits for D1, so a client that reloads history on it finds the reply there.
    await inD1;
    stream.emit({ event: 'done', data: {} });
    return message;
  };

  for (let round = 0; ; round++) {
    const messageId = crypto.randomUUID();
    const seq = deps.nextSeq();
    // The first checkpoint waits for the first token: a storage write before the model call
    // would hold its request at the output gate, and an empty reply is not worth recovering.
    const checkpoint = {
      messageId,
      chatId: input.chatId,
      seq,
      parentSeq,
      content: '',
      toolCalls: [] as ToolCallRecord[],
      model: executor.model,
      startedAt: Date.now(),
      updatedAt: 0,
    };
    Object.assign(progress, { messageId, text: '', toolCalls: [] });
    let partial = '';
    let reply;
    try {
      reply = await whenRequestSent(deps.accept, () =>
        streamModelReply({
          client: executor.client,
          model: executor.model,
          temperature: executor.agent.temperature,
          messages: conversation,
          tools: executor.tools.definitions,
          signal,
          onDelta: (text) => {
            if (clock.ttftMs === null) {
              clock.ttftMs = Date.now() - input.startedAt;
              d1BeforeFirstToken = deps.d1SinceArrival();
            }
            if (!partial) deps.clock.mark('model_request');
            partial += text;
            progress.text = partial;
            stream.emit({ event: 'delta', data: { text } });
            const now = Date.now();
            if (now - checkpoint.updatedAt >= CHECKPOINT_INTERVAL_MS) {
              deps.checkpoints.save({ ...checkpoint, content: partial, updatedAt: now });
              checkpoint.updatedAt = now;
            }
          },
        }),
      );
    } catch (error) {
      deps.clock.mark(partial ? 'stream' : 'model_request');
      return settle(partial, signal.aborted ? STOPPED : describeModelError(error, config.openaiTimeoutMs), seq, messageId);
    }
    deps.clock.mark(partial ? 'stream' : 'model_request');
    usage.prompt += reply.promptTokens ?? 0;
    usage.completion += reply.completionTokens ?? 0;
    // The SDK ends an aborted stream quietly; a stream with no finish reason was cut off.
    if (signal.aborted) return settle(reply.content, STOPPED, seq, messageId);
    if (!reply.finished) return settle(reply.content, CUT_OFF, seq, messageId);
    if (reply.toolCalls.length === 0) return settle(reply.content, null, seq, messageId);
    if (round >= config.maxToolRounds) {
      const failure: TurnFailure = {
        code: 'tool_rounds_exceeded',
        message: `Stopped after ${config.maxToolRounds} rounds of tool calls without a final answer.`,
      };
      return settle(reply.content, failure, seq, messageId);
    }

    // A tool round: the call and each result are stored as messages, then the model goes on.
    const callMessage = place(
      messageRow({
        id: messageId,
        chatId: input.chatId,
        seq,
        parentSeq,
        role: 'assistant',
        content: reply.content,
        toolCalls: reply.toolCalls,
        model: executor.model,
      }),
    );
    deps.store(callMessage);
    deps.checkpoints.remove(messageId);
    conversation.push({ role: 'assistant', content: reply.content || null, tool_calls: reply.toolCalls.map(toModelToolCall) });
    for (const [index, call] of reply.toolCalls.entries()) {
      stream.emit({ event: 'tool_call', data: call });
      progress.toolCalls.push(call);
      const started = Date.now();
      // MAX_TOOL_CALLS_PER_ROUND (SPEC §13): the calls past it are answered, not run.
      const outcome =
        index < config.maxToolCallsPerRound
          ? await executor.tools.run(call.name, call.arguments, deps.toolContext)
          : refusedToolCall(config.maxToolCallsPerRound);
      clock.toolMs += Date.now() - started;
      deps.store(
        place(
          messageRow({ chatId: input.chatId, seq: deps.nextSeq(), parentSeq, role: 'tool', content: outcome.result, toolCallId: call.id, name: call.name }),
        ),
      );
      stream.emit({ event: 'tool_result', data: { id: call.id, name: call.name, result: outcome.result } });
      conversation.push({ role: 'tool', tool_call_id: call.id, content: outcome.result });
    }
    deps.clock.mark('tools');
    if (signal.aborted) return settle('', STOPPED, deps.nextSeq(), crypto.randomUUID());
  }
}

/**
 * The request for this turn (model-context.ts). When a failed turn is retried, the tool calls
 * it already completed follow the message, so the model does not run them again.
 */
async function buildContext(deps: TurnDeps, input: TurnInput): Promise<ChatCompletionMessageParam[]> {
  return (await buildModelContext(deps.executor, deps.config, input.chatId, toWindowMessage(input.userMessage))).messages;
}
