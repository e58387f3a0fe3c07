/**
 * The executor's RPC contract: what the Worker sends and gets back. Every method answers an
 * `RpcResult`, so refusals (404, 409 busy, 410 gone…) cross the RPC boundary as data.
 */
import type { ChatDto, DraftDto, ExecutorStateDto, SessionDto } from '../shared/api';
import { ApiError } from '../shared/errors';
import { DATABASE_UNAVAILABLE, isUnreachableDatabase } from '../db/shards';
import { scrubbed } from '../shared/safe-log';
import type { RpcResult } from '../shared/errors';
import type { MessageDto } from '../shared/protocol';
import type { ArrivalTiming } from './turn/turn-clock';

/** The login a request came with: its auth_sessions id (null for a JWT caller) and expiry. */
export interface LoginRef {
  authSessionId: string | null;
  expiresAt: number;
}

/**
 * Where a turn goes in the chat's tree (SPEC §16), when not after the head: an edit adds a new
 * user message after `parentSeq` (null: a new first message); a regeneration a new reply
 * beside the one at `seq` (the turn's `content` is then unused).
 */
export type TurnBranch = { kind: 'edit'; parentSeq: number | null } | { kind: 'regenerate'; seq: number };

export interface SendMessageRequest {
  chatId: string;
  content: string;
  clientMessageId?: string | undefined;
  sessionId?: string | undefined;
  branch?: TurnBranch | undefined;
  login: LoginRef;
  timing: ArrivalTiming;
}

export interface OpenSessionRequest {
  chatId?: string | undefined;
  clientInstanceId?: string | undefined;
  /** Checked against D1 by the Worker: the executor may trust it from now on. */
  login: LoginRef;
}

export interface OpenSessionResult {
  created: boolean;
  session: SessionDto;
  chat: ChatDto;
  messages: MessageDto[];
  hasMore: boolean;
  draft: DraftDto | null;
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
    // The owner's shard cannot be reached: their request fails with 503, nobody else's (SPEC §17).
    if (isUnreachableDatabase(error)) return { ok: false, error: { code: 'unavailable', message: DATABASE_UNAVAILABLE } };
    // The runtime logs what crosses RPC thrown: scrubbed of query parameters first (SPEC §13).
    throw scrubbed(error);
  }
}
