/** Shared by the chat messages route and the compatibility /chat endpoint. */
import type { Context } from 'hono';
import type { Owner } from '../../objects/owner';
import { readConfig } from '../config';
import { ApiError } from '../errors';
import { executorFor, viaExecutor } from '../executor-client';
import type { HonoEnv } from '../hono-env';

const TURN_RETRY_AFTER_S = 60;

export interface TurnRequest {
  chatId: string;
  content: string;
  clientMessageId?: string | undefined;
  sessionId?: string | undefined;
}

export function wantsEventStream(c: Context<HonoEnv>): boolean {
  return (c.req.header('Accept') ?? '').includes('text/event-stream');
}

/** Checks the message and the user's turn budget, then hands the turn to the executor. */
export async function startTurn(c: Context<HonoEnv>, owner: Owner, request: TurnRequest): Promise<ReadableStream<Uint8Array>> {
  const { maxMessageChars } = readConfig(c.env);
  if (!request.content.trim()) throw new ApiError('bad_request', 'content: must not be empty');
  if (request.content.length > maxMessageChars) throw new ApiError('bad_request', `content: must be at most ${maxMessageChars} characters`);
  const { success } = await c.env.TURN_RATE_LIMITER.limit({ key: owner.userId });
  if (!success) throw new ApiError('rate_limited', 'Too many messages; wait a minute and try again', { retryAfterS: TURN_RETRY_AFTER_S });
  return viaExecutor(executorFor(c.env, owner).sendMessage(owner, request));
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
