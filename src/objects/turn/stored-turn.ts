/**
 * A retried send (same clientMessageId) gets the turn that is already stored instead of a
 * second message (SPEC §4.2). Its reply is the last assistant message before the next user
 * message; tool calls made on the way are reported too.
 */
import type { ChatMessage } from '../../db/schema';
import type { ToolCallRecord } from '../history-window';

export interface StoredTurn {
  reply: ChatMessage | null;
  toolCalls: ToolCallRecord[];
  toolResults: { id: string; name: string; result: string }[];
}

/** `following` are the chat's messages after the user message, ascending. */
export function storedTurn(following: readonly ChatMessage[]): StoredTurn {
  const turn: ChatMessage[] = [];
  for (const m of following) {
    if (m.role === 'user') break;
    turn.push(m);
  }
  const reply = [...turn].reverse().find((m) => m.role === 'assistant' && !(m.toolCalls as ToolCallRecord[] | null)?.length) ?? null;
  const toolCalls = turn.flatMap((m) => (m.role === 'assistant' ? ((m.toolCalls as ToolCallRecord[] | null) ?? []) : []));
  const toolResults = turn.flatMap((m) => (m.role === 'tool' ? [{ id: m.toolCallId ?? '', name: m.name ?? '', result: m.content }] : []));
  return { reply, toolCalls, toolResults };
}

/** Whether a retry should generate again: the first attempt never got a complete reply. */
export const needsRegeneration = (turn: StoredTurn) => turn.reply === null || turn.reply.status !== 'complete';
