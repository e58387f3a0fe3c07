/** Shared by the chat messages route and the compatibility /chat endpoint. */
import type { Context } from 'hono';
import type { Owner } from '../../shared/owner';
import { readConfig } from '../../shared/config';
import { ApiError, notFound } from '../../shared/errors';
import { executorFor, viaExecutor } from '../executor-client';
import type { HonoEnv } from '../hono-env';

const TURN_RETRY_AFTER_S = 60;

export interface TurnRequest {
  content: string;
  clientMessageId?: string | undefined;
  sessionId?: string | undefined;
}

/** Where the turn goes: the chat and its executor's owner, or null when the caller has no such chat. */
export type TurnTarget = { owner: Owner; chatId: string } | null;

export function wantsEventStream(c: Context<HonoEnv>): boolean {
  return (c.req.header('Accept') ?? '').includes('text/event-stream');
}

/**
 * Checks the message, finds the chat and spends one of the user's turns — the last two at
 * once, since both are round trips — then hands the turn to the chat's executor.
 */
export async function startTurn(
  c: Context<HonoEnv>,
  locate: () => Promise<TurnTarget>,
  request: TurnRequest,
  /** For a `locate` that may write (create a chat): spend the turn first, so a 429 writes nothing. */
  { budgetFirst = false } = {},
): Promise<{ chatId: string; stream: ReadableStream<Uint8Array> }> {
  const { maxMessageChars } = readConfig(c.env);
  if (!request.content.trim()) throw new ApiError('bad_request', 'content: must not be empty');
  if (request.content.length > maxMessageChars) throw new ApiError('bad_request', `content: must be at most ${maxMessageChars} characters`);
  const spend = () => c.env.TURN_RATE_LIMITER.limit({ key: c.get('auth').userId });
  const [target, budget] = budgetFirst
    ? await spend().then(async (b) => [b.success ? await locate() : null, b] as const)
    : await Promise.all([locate(), spend()]);
  if (!budget.success) throw new ApiError('rate_limited', 'Too many messages; wait a minute and try again', { retryAfterS: TURN_RETRY_AFTER_S });
  if (!target) throw notFound('Chat');
  const { owner, chatId } = target;
  return { chatId, stream: await viaExecutor(executorFor(c.env, owner).sendMessage({ chatId, ...request })) };
}

export function eventStreamResponse(stream: ReadableStream<Uint8Array>): Response {
  return new Response(stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    },
  });
}
