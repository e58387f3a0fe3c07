/**
 * The executor's RPC contract: what the Worker sends and gets back. Every method answers an
 * `RpcResult`, so refusals (404, 409 busy, 410 gone…) cross the RPC boundary as data.
 */
import type { ChatDto, ExecutorStateDto, SessionDto } from '../shared/api';
import { ApiError } from '../shared/errors';
import type { RpcResult } from '../shared/errors';
import type { MessageDto } from '../shared/protocol';

export interface SendMessageRequest {
  chatId: string;
  content: string;
  clientMessageId?: string | undefined;
  sessionId?: string | undefined;
}

export interface OpenSessionRequest {
  chatId?: string | undefined;
  clientInstanceId?: string | undefined;
  authSessionId: string | null;
}

export interface OpenSessionResult {
  created: boolean;
  session: SessionDto;
  chat: ChatDto;
  messages: MessageDto[];
  hasMore: boolean;
}

export interface ChatPatch {
  title?: string | undefined;
  archived?: boolean | undefined;
}

export type ExecutorState = ExecutorStateDto;

/** Runs an RPC body and answers its value, or the ApiError it refused with, as data. */
export async function answer<T>(body: () => Promise<T>): Promise<RpcResult<T>> {
  try {
    return { ok: true, value: await body() };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, error: { code: error.code, message: error.message, retryAfterS: error.retryAfterS } };
    throw error;
  }
}
