/** Shared by the chat messages route and the compatibility /chat endpoint. */
import type { Context } from 'hono';
import { readConfig } from '../../shared/config';
import { ApiError, notFound } from '../../shared/errors';
import type { Owner } from '../../shared/owner';
import { executorFor, viaExecutor } from '../executor-client';
import type { HonoEnv } from '../hono-env';
import type { TurnBranch } from '../../objects/rpc-contract';

export interface TurnRequest {
  /** Unused by a regeneration, which asks again what was asked. */
  content: string;
  branch?: TurnBranch | undefined;
  clientMessageId?: string | undefined;
  sessionId?: string | undefined;
}

/** Where the turn goes: the chat and its executor's owner, or null when the caller has no such chat. */
export type TurnTarget = { owner: Owner; chatId: string } | null;

export function wantsEventStream(c: Context<HonoEnv>): boolean {
  return (c.req.header('Accept') ?? '').includes('text/event-stream');
}

/**
 * Checks the message, finds the chat's executor and hands the turn over. On a warm turn none
 * of this touches D1: the login was verified by its signature, the chat id names its agent,
 * and the executor settles revocation, ownership and the turn limit from its own state.
 */
export async function startTurn(c: Context<HonoEnv>, locate: () => Promise<TurnTarget>, request: TurnRequest): Promise<{ chatId: string; stream: ReadableStream<Uint8Array> }> {
  const { maxMessageChars } = readConfig(c.env);
  const asks = request.branch?.kind !== 'regenerate';
  if (asks && !request.content.trim()) throw new ApiError('bad_request', 'content: must not be empty');
  if (asks && request.content.length > maxMessageChars) throw new ApiError('bad_request', `content: must be at most ${maxMessageChars} characters`);
  const target = await locate();
  if (!target) throw notFound('Chat');
  const { owner, chatId } = target;
  const auth = c.get('auth');
  const timing = c.get('timing');
  timing.mark('route');
  const stream = await viaExecutor(
    executorFor(c.env, owner).sendMessage({
      chatId,
      ...request,
      login: { authSessionId: auth.authSessionId, expiresAt: auth.expiresAt },
      timing: { arrivedAt: timing.arrivedAt, stages: timing.stages, d1Statements: timing.d1Statements },
    }),
  );
  timing.mark('executor');
  c.header('Server-Timing', timing.header());
  return { chatId, stream };
}

export function eventStreamResponse(c: Context<HonoEnv>, stream: ReadableStream<Uint8Array>): Response {
  return c.body(stream, 200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  });
}
