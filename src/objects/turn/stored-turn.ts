/**
 * A retried send (same clientMessageId) gets the turn that is already stored instead of a
 * second message (SPEC §4.2). The turn is what follows its user message up to the next user
 * message: with branches (SPEC §16) a subtree, whose newest reply is the answer, reported with
 * the tool calls on the way to it.
 */
import type { ChatMessage } from '../../db/schema';
import type { ToolCallRecord } from '../history-window';

export interface StoredTurn {
  reply: ChatMessage | null;
  toolCalls: ToolCallRecord[];
  toolResults: { id: string; name: string; result: string }[];
  /** Where a new attempt at the reply goes: beside the failed reply, or after the turn's last message. */
  continueFrom: number;
}

/** `following` are messages of the chat after the user message, ascending (other branches may be among them). */
export function storedTurn(userMessage: Pick<ChatMessage, 'seq'>, following: readonly ChatMessage[]): StoredTurn {
  const inTurn = new Map<number, ChatMessage>();
  for (const m of following) {
    const parent = m.parentSeq;
    if (m.role === 'user' || parent === null || (parent !== userMessage.seq && !inTurn.has(parent))) continue;
    inTurn.set(m.seq, m);
  }
  const turn = [...inTurn.values()];
  const reply = [...turn].reverse().find((m) => m.role === 'assistant' && !(m.toolCalls as ToolCallRecord[] | null)?.length) ?? null;
  const end = reply ?? turn.at(-1) ?? null;
  const path: ChatMessage[] = [];
  for (let at: ChatMessage | null | undefined = end; at; at = at.parentSeq === null ? undefined : inTurn.get(at.parentSeq)) path.unshift(at);
  const toolCalls = path.flatMap((m) => (m.role === 'assistant' ? ((m.toolCalls as ToolCallRecord[] | null) ?? []) : []));
  const toolResults = path.flatMap((m) => (m.role === 'tool' ? [{ id: m.toolCallId ?? '', name: m.name ?? '', result: m.content }] : []));
  return { reply, toolCalls, toolResults, continueFrom: reply?.parentSeq ?? end?.seq ?? userMessage.seq };
}

/** Whether a retry should generate again: the first attempt never got a complete reply. */
export const needsRegeneration = (turn: StoredTurn) => turn.reply === null || turn.reply.status !== 'complete';
