/**
 * The recent-message window of each open chat, kept warm in the executor so a turn does not
 * read D1 history, and the trimming rules that turn it into the model's context (SPEC §4.3).
 * A window is always the newest part of one path: the one ending at the chat's head (§16).
 */
import type { ChatMessage } from '../db/schema';
import type { MessageRole, MessageStatus } from '../shared/protocol';

export interface ToolCallRecord {
  id: string;
  name: string;
  arguments: string;
}

export interface WindowMessage {
  id: string;
  seq: number;
  /** Null for a root: a window that starts with one holds its whole path. */
  parentSeq: number | null;
  role: MessageRole;
  content: string;
  toolCalls: ToolCallRecord[] | null;
  toolCallId: string | null;
  name: string | null;
  status: MessageStatus;
  clientMessageId: string | null;
}

export function toWindowMessage(m: ChatMessage): WindowMessage {
  return {
    id: m.id,
    seq: m.seq,
    parentSeq: m.parentSeq ?? null,
    role: m.role,
    content: m.content,
    toolCalls: (m.toolCalls as ToolCallRecord[] | null) ?? null,
    toolCallId: m.toolCallId,
    name: m.name,
    status: m.status,
    clientMessageId: m.clientMessageId,
  };
}

/** Rough token estimate (≈4 characters a token) plus per-message overhead. */
export function estimateTokens(message: Pick<WindowMessage, 'content' | 'toolCalls'>): number {
  const toolChars = message.toolCalls?.reduce((n, call) => n + call.name.length + call.arguments.length, 0) ?? 0;
  return Math.ceil((message.content.length + toolChars) / 4) + 4;
}

/**
 * Splits messages into units that must stay together: an assistant message that called tools
 * and the tool results answering it. The model API rejects a result without its call and a
 * call without all its results, so a tool result whose call fell out of the window is dropped,
 * and so is a call whose results never came (the object died mid-tool).
 */
function groupTurns(messages: readonly WindowMessage[]): WindowMessage[][] {
  const groups: WindowMessage[][] = [];
  for (const message of messages) {
    const previous = groups.at(-1);
    if (message.role === 'tool') {
      const owner = previous?.[0];
      if (owner?.role === 'assistant' && owner.toolCalls?.some((call) => call.id === message.toolCallId)) previous!.push(message);
      continue;
    }
    groups.push([message]);
  }
  return groups.filter(isComplete);
}

function isComplete(group: WindowMessage[]): boolean {
  const calls = group[0]?.toolCalls;
  if (!calls?.length) return true;
  const answered = new Set(group.slice(1).map((m) => m.toolCallId));
  return calls.every((call) => answered.has(call.id));
}

/** Whole, well-formed groups of `messages`, whatever their size. */
export function wellFormed(messages: readonly WindowMessage[]): WindowMessage[] {
  return groupTurns(messages).flat();
}

/** The newest whole groups of `messages` whose estimated tokens fit in `budget`. */
export function trimToBudget(messages: readonly WindowMessage[], budget: number): WindowMessage[] {
  const groups = groupTurns(messages);
  const kept: WindowMessage[][] = [];
  let used = 0;
  for (let i = groups.length - 1; i >= 0; i--) {
    const group = groups[i]!;
    const cost = group.reduce((n, m) => n + estimateTokens(m), 0);
    if (used + cost > budget) break;
    used += cost;
    kept.unshift(group);
  }
  return kept.flat();
}

export class HistoryWindow {
  readonly #size: number;
  readonly #chats = new Map<string, WindowMessage[]>();

  constructor(size: number) {
    this.#size = size;
  }

  has(chatId: string): boolean {
    return this.#chats.has(chatId);
  }

  get(chatId: string): readonly WindowMessage[] | undefined {
    return this.#chats.get(chatId);
  }

  /** Seeds a chat's window with the newest part of a path (ascending seq). */
  load(chatId: string, messages: readonly WindowMessage[]): void {
    this.#chats.set(chatId, messages.slice(-this.#size));
  }

  append(chatId: string, ...messages: WindowMessage[]): void {
    const window = this.#chats.get(chatId);
    if (!window) return; // not loaded: the next turn reads it from D1 with these included
    window.push(...messages);
    if (window.length > this.#size) window.splice(0, window.length - this.#size);
  }

  /**
   * The window's path up to and including `seq`, when the window holds enough of it to stand
   * for the path: `needed` messages, or all of them back to a root. Null otherwise.
   */
  pathTo(chatId: string, seq: number, needed: number): WindowMessage[] | null {
    const window = this.#chats.get(chatId);
    const end = window?.findIndex((m) => m.seq === seq) ?? -1;
    if (!window || end < 0) return null;
    const prefix = window.slice(0, end + 1);
    return prefix.length >= needed || prefix[0]!.parentSeq === null ? prefix : null;
  }

  drop(chatId: string): void {
    this.#chats.delete(chatId);
  }

  clear(): void {
    this.#chats.clear();
  }

  get size(): number {
    return this.#chats.size;
  }
}
