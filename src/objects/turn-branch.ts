/**
 * Where a turn goes in the chat's tree (SPEC §16). A new message follows the head, with no
 * I/O. An edit (`parentSeq`) starts a sibling of the edited message; a regeneration a new reply
 * beside the one named; a retried turn whose reply failed a new reply beside the failed one.
 * Those read D1 — the target checked, its siblings counted, and the path leading to it when
 * the window does not hold enough of it — and nothing of the turn is stored or counted before
 * they are settled, so a bad target writes nothing.
 */
import type { Db } from '../db/client';
import { messageAt, siblingsOf, turnUserMessage } from '../db/message-paths';
import type { ChatMessage } from '../db/schema';
import { ONLY_CHILD } from '../db/serialize';
import { ApiError, badRequest, notFound } from '../shared/errors';
import type { SiblingsDto } from '../shared/protocol';
import type { ChatLedger } from './chat-ledger';
import type { BuiltExecutor } from './executor-build';
import type { WindowMessage } from './history-window';
import type { TurnBranch } from './rpc-contract';
import type { StoredTurn } from './turn/stored-turn';

export interface TurnBranchDeps {
  db: Db;
  ledger: ChatLedger;
  /** HISTORY_WINDOW + 1: how much of a path the window holds. */
  windowSize: number;
}

export interface Continuation {
  /** The stored user message the reply answers (a regeneration, a retried turn), with its place; null: the turn brings a new one. */
  asked: (ChatMessage & { siblings: SiblingsDto }) | null;
  /** What the turn's first new message follows: the new user message's parent, or the reply's. */
  from: number | null;
  /** That first new message among the other children of `from`. */
  siblings: SiblingsDto;
  /** The path ending at `from` the chat switches to; null when the turn follows the head. */
  path: WindowMessage[] | null;
}

export function followHead(ledger: ChatLedger, chatId: string): Continuation {
  return { asked: null, from: ledger.head(chatId) ?? null, siblings: ONLY_CHILD, path: null };
}

/** An edit or a regeneration: checked before anything is stored or counted. */
export async function branchFrom(deps: TurnBranchDeps, executor: BuiltExecutor, chatId: string, branch: TurnBranch): Promise<Continuation> {
  if (branch.kind === 'edit') return editFrom(deps, executor, chatId, branch.parentSeq);
  return regenerateFrom(deps, executor, chatId, branch.seq);
}

/** A failed turn retried: its new reply goes beside the failed one, on that turn's branch. */
export async function retryFrom(deps: TurnBranchDeps, executor: BuiltExecutor, asked: ChatMessage, stored: StoredTurn): Promise<Continuation> {
  return continueAt(deps, executor, asked, stored.continueFrom);
}

async function editFrom(deps: TurnBranchDeps, executor: BuiltExecutor, chatId: string, parentSeq: number | null): Promise<Continuation> {
  const { ledger } = deps;
  // Whatever the outbox holds is in D1 before D1 is asked about the tree.
  await ledger.flush();
  if (parentSeq !== null) {
    const parent = await messageAt(deps.db, chatId, parentSeq);
    if (!parent) throw notFound('Message');
    // The parent of an edited message is the reply before it; a user message or a tool call
    // and its results are never followed by a user's message.
    if (parent.role !== 'assistant' || (parent.toolCalls as unknown[] | null)?.length) {
      throw badRequest('parentSeq: must be the reply before the message being edited (an assistant message), or null for a first message');
    }
  }
  const siblings = await ledger.siblingsOfNewChild(chatId, parentSeq);
  const path = parentSeq === null ? [] : await ledger.pathTo(executor.windows, chatId, parentSeq, deps.windowSize);
  return { asked: null, from: parentSeq, siblings, path };
}

/**
 * A new reply beside the one at `seq`. A later message of a tool-calling turn (a tool call, a
 * tool result, the answer after them) is regenerated from the turn's user message: the whole
 * turn runs again, tools included, as a sibling of its first reply.
 */
async function regenerateFrom(deps: TurnBranchDeps, executor: BuiltExecutor, chatId: string, seq: number): Promise<Continuation> {
  await deps.ledger.flush();
  const target = await messageAt(deps.db, chatId, seq);
  if (!target) throw notFound('Message');
  if (target.role === 'user') throw badRequest('seq: is a user message; edit it instead (POST /chats/:id/messages with parentSeq)');
  const asked = await turnUserMessage(deps.db, chatId, seq);
  if (!asked) throw new ApiError('bad_request', 'seq: this reply answers no user message');
  return continueAt(deps, executor, asked, asked.seq);
}

async function continueAt(deps: TurnBranchDeps, executor: BuiltExecutor, asked: ChatMessage, from: number): Promise<Continuation> {
  const siblings = await deps.ledger.siblingsOfNewChild(asked.chatId, from);
  const path = await deps.ledger.pathTo(executor.windows, asked.chatId, from, deps.windowSize);
  const place = (await siblingsOf(deps.db, asked.chatId, [asked.seq])).get(asked.seq) ?? ONLY_CHILD;
  return { asked: { ...asked, siblings: place }, from, siblings, path };
}
