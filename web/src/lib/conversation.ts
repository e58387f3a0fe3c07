/**
 * What the chat panel shows, as plain data: the stored messages of a chat, the user's messages
 * that the server has not acknowledged yet, and the reply being streamed. Every SSE event of a
 * turn is applied by `applyTurnEvent`, a pure function, so the rules are unit-tested without a
 * browser.
 */
import type { MessageDto, ToolCallDto, TurnEvent } from '../../../src/shared/protocol';

export interface TurnError {
  code: string;
  message: string;
}

/** A message typed in this tab and not yet stored by the server (or refused by it). */
export interface PendingMessage {
  clientMessageId: string;
  content: string;
  createdAt: number;
  /** sending → the request is out; failed → show the error with Retry; unauthorized → re-login in place. */
  state: 'sending' | 'failed' | 'unauthorized';
  error: TurnError | null;
}

export interface StreamingReply {
  clientMessageId: string;
  /** Text of the current model round; cleared when that round's message is stored. */
  text: string;
  toolCalls: ToolCallDto[];
  /** Results by tool call id; kept for the whole turn so stored calls still find theirs. */
  toolResults: Record<string, string>;
}

export interface Conversation {
  messages: MessageDto[];
  pending: PendingMessage[];
  streaming: StreamingReply | null;
  /** Errors of turns whose user message was stored but whose reply failed, by clientMessageId. */
  replyErrors: Record<string, TurnError>;
}

export const emptyConversation = (): Conversation => ({ messages: [], pending: [], streaming: null, replyErrors: {} });

/** Merge pages and events: one entry per message id (the newest copy wins), in seq order. */
export function mergeMessages(existing: readonly MessageDto[], incoming: readonly MessageDto[]): MessageDto[] {
  if (incoming.length === 0) return existing as MessageDto[];
  const byId = new Map<string, MessageDto>();
  for (const m of existing) byId.set(m.id, m);
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

export function lastSeq(conversation: Conversation): number {
  return conversation.messages.at(-1)?.seq ?? 0;
}

export function firstSeq(conversation: Conversation): number | null {
  return conversation.messages[0]?.seq ?? null;
}

/**
 * The highest seq up to which this tab holds every message, counting from its oldest one.
 * Seqs of a chat are contiguous, so a hole means a message this tab never saw (a tool round
 * has no event of its own; a socket was down).
 */
export function contiguousEnd(messages: readonly MessageDto[]): number {
  const first = messages[0];
  if (!first) return 0;
  let end = first.seq;
  for (const m of messages) {
    if (m.seq > end + 1) break;
    end = Math.max(end, m.seq);
  }
  return end;
}

/** Where `GET /messages?after=` should start so the tab holds everything through `throughSeq`, or null when it does. */
export function catchUpAfter(conversation: Conversation, throughSeq: number): number | null {
  const end = contiguousEnd(conversation.messages);
  return end < throughSeq ? end : null;
}

export function addPending(c: Conversation, message: Omit<PendingMessage, 'state' | 'error'>): Conversation {
  const pending = c.pending.filter((p) => p.clientMessageId !== message.clientMessageId);
  const replyErrors = { ...c.replyErrors };
  delete replyErrors[message.clientMessageId];
  return { ...c, pending: [...pending, { ...message, state: 'sending', error: null }], replyErrors };
}

/** A send that failed before the server stored the message (409 busy, 401, network…). */
export function failPending(c: Conversation, clientMessageId: string, error: TurnError, state: 'failed' | 'unauthorized' = 'failed'): Conversation {
  const streaming = c.streaming?.clientMessageId === clientMessageId ? null : c.streaming;
  if (!c.pending.some((p) => p.clientMessageId === clientMessageId)) {
    // Already acknowledged: the reply failed, not the message.
    return { ...c, streaming, replyErrors: { ...c.replyErrors, [clientMessageId]: error } };
  }
  return { ...c, streaming, pending: c.pending.map((p) => (p.clientMessageId === clientMessageId ? { ...p, state, error } : p)) };
}

export function discardPending(c: Conversation, clientMessageId: string): Conversation {
  return { ...c, pending: c.pending.filter((p) => p.clientMessageId !== clientMessageId) };
}

function acknowledge(c: Conversation, message: MessageDto, clientMessageId: string): Conversation {
  const ackId = message.clientMessageId ?? clientMessageId;
  return { ...c, messages: mergeMessages(c.messages, [message]), pending: c.pending.filter((p) => p.clientMessageId !== ackId) };
}

/** Apply one SSE event of the turn started by `clientMessageId`. */
export function applyTurnEvent(c: Conversation, clientMessageId: string, event: TurnEvent): Conversation {
  const streaming: StreamingReply =
    c.streaming?.clientMessageId === clientMessageId ? c.streaming : { clientMessageId, text: '', toolCalls: [], toolResults: {} };
  switch (event.event) {
    case 'user_message':
      return { ...acknowledge(c, event.data.message, clientMessageId), streaming };
    case 'delta':
      return { ...c, streaming: { ...streaming, text: streaming.text + event.data.text } };
    case 'tool_call': {
      const toolCalls = [...streaming.toolCalls.filter((t) => t.id !== event.data.id), event.data];
      return { ...c, streaming: { ...streaming, toolCalls } };
    }
    case 'tool_result':
      return { ...c, streaming: { ...streaming, toolResults: { ...streaming.toolResults, [event.data.id]: event.data.result } } };
    case 'assistant_message': {
      const message = event.data.message;
      const messages = mergeMessages(c.messages, [message]);
      if (message.role !== 'assistant') return { ...c, messages, streaming };
      // This round is stored: its text and calls now render from the message itself.
      const stored = new Set((message.toolCalls ?? []).map((t) => t.id));
      return { ...c, messages, streaming: { ...streaming, text: '', toolCalls: streaming.toolCalls.filter((t) => !stored.has(t.id)) } };
    }
    case 'error':
      return failPending({ ...c, streaming }, clientMessageId, event.data);
    case 'done':
      return { ...c, streaming: null };
  }
}

export interface ToolChip {
  id: string;
  name: string;
  arguments: string;
  result: string | null;
}

/** A turn whose reply failed: one row where the reply would be, with the error and Retry. */
export interface FailedReply {
  /** The user message to send again; null when it has none (an older client's turn). */
  clientMessageId: string | null;
  /** The error as this tab saw it happen; null after a reload, when only the stored reply's status tells. */
  error: TurnError | null;
  /** What the failed reply wrote before it failed, if anything was stored. */
  partial: MessageDto | null;
  /** The tools the turn ran before it failed, shown at the top of the failed row. */
  tools: ToolChip[];
}

export type ChatItem =
  | { kind: 'message'; key: string; message: MessageDto; tools: ToolChip[] }
  | { kind: 'pending'; key: string; pending: PendingMessage }
  | { kind: 'failed'; key: string; failed: FailedReply }
  | { kind: 'streaming'; key: string; text: string; tools: ToolChip[] };

interface Turn {
  user: MessageDto | null;
  replies: MessageDto[];
}

/** A user message and what was stored after it, up to the next user message. */
function turnsOf(messages: readonly MessageDto[]): Turn[] {
  const turns: Turn[] = [];
  for (const m of messages) {
    const last = turns.at(-1);
    if (m.role === 'user' || !last) turns.push({ user: m.role === 'user' ? m : null, replies: m.role === 'user' ? [] : [m] });
    else last.replies.push(m);
  }
  return turns;
}

/**
 * The rows to render: tool results fold into the chips of the call that asked for them, and a
 * tool round that wrote no text is not a row of its own: its chips go at the top of the reply
 * they led to (the stored one, the one streaming, or the failed one), as a ChatGPT user expects
 * (issue 18 item 14). An assistant message with neither text nor calls is not shown, and a failed reply is one row in
 * the reply's place (whether the error was seen live or only its stored status is known), which
 * the retry's reply replaces: a failed attempt that a later reply of the same turn superseded is
 * not shown.
 */
export function chatItems(c: Conversation): ChatItem[] {
  const results: Record<string, string> = { ...(c.streaming?.toolResults ?? {}) };
  for (const m of c.messages) if (m.role === 'tool' && m.toolCallId) results[m.toolCallId] = m.content;
  const chip = (t: ToolCallDto): ToolChip => ({ id: t.id, name: t.name, arguments: t.arguments, result: results[t.id] ?? null });
  // A caught-up tool round and the live reply can both hold a call: the stored one shows it.
  const storedCalls = new Set(c.messages.flatMap((m) => (m.toolCalls ?? []).map((t) => t.id)));
  const storedAsks = new Set(c.messages.flatMap((m) => (m.role === 'user' && m.clientMessageId ? [m.clientMessageId] : [])));
  // A turn being sent again: its retry (pending, then streaming) takes the failed row's place.
  const retrying = new Set(c.pending.filter((p) => p.state === 'sending').map((p) => p.clientMessageId));
  if (c.streaming && !c.replyErrors[c.streaming.clientMessageId]) retrying.add(c.streaming.clientMessageId);
  // A retry the server refused before it stored anything (busy, offline) is that turn's failure again, said in its row.
  const refusedRetries = new Map(c.pending.flatMap((p) => (p.state === 'failed' && storedAsks.has(p.clientMessageId) ? [[p.clientMessageId, p.error]] : [])));

  const turns = turnsOf(c.messages);
  const streaming = c.streaming && !c.replyErrors[c.streaming.clientMessageId] ? c.streaming : null;
  const liveChips = streaming ? streaming.toolCalls.filter((t) => !storedCalls.has(t.id)).map(chip) : [];
  const items: ChatItem[] = [];
  // Chips of the newest turn's tool rounds that no row of it has taken yet: the streaming reply's.
  let unplaced: { chips: ToolChip[] } | null = null;
  let tailTaken = false;
  for (const [index, { user, replies }] of turns.entries()) {
    const newest = index === turns.length - 1;
    if (user) items.push({ kind: 'message', key: user.id, message: user, tools: [] });
    const ask = user?.clientMessageId ?? null;
    const lastReply = replies.findLast((m) => m.role === 'assistant');
    const finished = lastReply !== undefined && lastReply.status !== 'error' && !lastReply.toolCalls?.length;
    const liveError = ask ? (c.replyErrors[ask] ?? refusedRetries.get(ask) ?? null) : null;
    // This tab's own turn, stored and finished, whose `done` has not come yet: its streaming slot
    // holds nothing but the calls the reply's row shows already.
    const tail = newest && finished && streaming !== null && streaming.clientMessageId === ask && !streaming.text;
    tailTaken ||= tail;
    let carried: ToolChip[] = tail ? liveChips : [];
    let carrier: MessageDto | null = null;
    for (const m of replies) {
      if (m.role === 'tool' || m.status === 'error') continue;
      const tools = [...carried, ...(m.toolCalls ?? []).map(chip)];
      if (m.toolCalls?.length && !m.content.trim()) {
        carried = tools;
        carrier = m;
        continue;
      }
      carried = [];
      if (m.role === 'assistant' && !m.content.trim() && tools.length === 0 && m.status === 'complete') continue;
      items.push({ kind: 'message', key: m.id, message: m, tools });
    }
    const storedFailure = lastReply?.status === 'error' ? lastReply : null;
    if ((storedFailure || (liveError && !finished)) && !(ask && retrying.has(ask))) {
      const partial = storedFailure && (storedFailure.content.trim() || storedFailure.toolCalls?.length) ? storedFailure : null;
      const tools = [...carried, ...(partial?.toolCalls ?? []).map(chip)];
      items.push({ kind: 'failed', key: `failed:${ask ?? storedFailure?.id}`, failed: { clientMessageId: ask, error: liveError, partial, tools } });
      carried = [];
    }
    if (carried.length === 0 || !carrier) continue;
    // Tool rounds with no reply after them yet: the newest turn's go on the reply streaming now.
    if (newest && streaming && !tail) unplaced = { chips: carried };
    else items.push({ kind: 'message', key: carrier.id, message: carrier, tools: carried });
  }
  // A retry of a stored message shows as that message, not as a second copy of it; only a sign-in
  // asked for in place needs the copy, which holds the form.
  for (const p of c.pending)
    if (p.state === 'unauthorized' || !storedAsks.has(p.clientMessageId)) items.push({ kind: 'pending', key: `pending:${p.clientMessageId}`, pending: p });
  // The streaming slot of a turn that has already failed is its tail (the stored status, then `done`), not a reply;
  // nor is the slot of a finished turn whose calls its stored reply shows.
  if (streaming && !tailTaken)
    items.push({ kind: 'streaming', key: `streaming:${streaming.clientMessageId}`, text: streaming.text, tools: [...(unplaced?.chips ?? []), ...liveChips] });
  return items;
}

/** "First token 120 ms · total 1.4 s": what a reply's hover shows. */
export function describeTimings(timings: MessageDto['timings']): string | null {
  if (!timings) return null;
  const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);
  const parts = [];
  if (timings.ttftMs !== null) parts.push(`First token ${ms(timings.ttftMs)}`);
  parts.push(`total ${ms(timings.totalMs)}`);
  if (timings.toolMs > 0) parts.push(`tools ${ms(timings.toolMs)}`);
  return parts.join(' · ');
}
