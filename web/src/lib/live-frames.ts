/**
 * The live channel's frames (SPEC §5 "Live channel") applied to what the chat panel shows, as
 * pure functions. The socket carries every turn of the chat, this tab's own included, while
 * this tab's own turn also streams over its SSE response: `applyLiveFrame` takes stored
 * messages from either idempotently (by id) and streamed text from exactly one of them.
 */
import type { LiveFrame, MessageDto, ToolCallDto } from '../../../src/shared/protocol';
import { failPending, mergeMessages } from './conversation';
import type { Conversation, StreamingReply } from './conversation';

/** The streaming key of a reply this tab did not ask for over SSE: another tab's, or its own from before a reload. */
export const REMOTE_TURN = 'live';

/**
 * Whose turn the socket's stream frames (`delta`, `tool_*`, `error`) belong to: `own` from
 * the `user_message` of this tab's SSE turn, `remote` from another turn's or a snapshot taken
 * mid-reply, null when the socket has not said.
 */
export type SocketTurn = 'own' | 'remote' | null;

export interface LiveView {
  conversation: Conversation;
  socketTurn: SocketTurn;
}

export interface LiveStep extends LiveView {
  /** The tab should hold every message through this seq: catch up with `GET /messages?after=` if it does not. */
  catchUpThrough: number | null;
  /** A turn this tab did not stream itself has ended: the chat's title and the list may have changed. */
  remoteTurnEnded: boolean;
}

const FRAME_TYPES = new Set<string>(['snapshot', 'user_message', 'delta', 'tool_call', 'tool_result', 'assistant_message', 'error', 'draft', 'head', 'title']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isMessage = (v: unknown): v is MessageDto => isRecord(v) && typeof v.id === 'string' && typeof v.seq === 'number' && typeof v.role === 'string';
const isToolCall = (v: unknown): v is ToolCallDto => isRecord(v) && typeof v.id === 'string' && typeof v.name === 'string' && typeof v.arguments === 'string';

/** One socket text frame as a typed frame; `pong`, unknown types and malformed frames are null (a newer server cannot break an older tab). */
export function parseLiveFrame(text: string): LiveFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value) || typeof value.type !== 'string' || !FRAME_TYPES.has(value.type)) return null;
  const ok = (() => {
    switch (value.type) {
      case 'snapshot': {
        const f = value.inFlight;
        return (
          typeof value.lastSeq === 'number' &&
          (f === null || (isRecord(f) && typeof f.text === 'string' && Array.isArray(f.toolCalls) && f.toolCalls.every(isToolCall)))
        );
      }
      case 'user_message':
      case 'assistant_message':
        return isMessage(value.message);
      case 'delta':
        return typeof value.text === 'string';
      case 'draft':
        return typeof value.text === 'string' && typeof value.updatedAt === 'number';
      case 'tool_call':
        return isToolCall(value);
      case 'tool_result':
        return typeof value.id === 'string' && typeof value.result === 'string';
      case 'head':
        return typeof value.seq === 'number';
      case 'title':
        return typeof value.title === 'string';
      default:
        return typeof value.message === 'string';
    }
  })();
  return ok ? (value as LiveFrame) : null;
}

const emptyRemote = (): StreamingReply => ({ clientMessageId: REMOTE_TURN, text: '', toolCalls: [], toolResults: {} });
const isRemote = (c: Conversation) => c.streaming?.clientMessageId === REMOTE_TURN;
/** A remote reply may replace an empty or remote streaming slot, never this tab's own SSE reply. */
const remoteSlotFree = (c: Conversation) => c.streaming === null || isRemote(c);
const endRemote = (c: Conversation): Conversation => (isRemote(c) ? { ...c, streaming: null } : c);

function step(view: LiveView, patch: Partial<LiveStep> = {}): LiveStep {
  return { catchUpThrough: null, remoteTurnEnded: false, ...view, ...patch };
}

/** Store a message from a frame (idempotent by id) and settle this tab's pending copy of it, if any. */
function absorb(c: Conversation, message: MessageDto): Conversation {
  const id = message.clientMessageId;
  if (!id) return { ...c, messages: mergeMessages(c.messages, [message]) };
  const replyErrors = { ...c.replyErrors };
  // A user message starts (or retries) its turn: an earlier failure of it is history.
  if (message.role === 'user') delete replyErrors[id];
  return { ...c, messages: mergeMessages(c.messages, [message]), pending: c.pending.filter((p) => p.clientMessageId !== id), replyErrors };
}

/**
 * Apply one frame. `ownTurn` is the clientMessageId of the turn this tab is streaming over
 * SSE on this chat, or null.
 */
export function applyLiveFrame(view: LiveView, frame: LiveFrame, ownTurn: string | null): LiveStep {
  const c = view.conversation;
  switch (frame.type) {
    case 'snapshot': {
      const through = frame.lastSeq;
      // Our own SSE stream already carries the reply in flight, from its first token.
      if (ownTurn !== null) return step({ conversation: c, socketTurn: frame.inFlight ? 'own' : null }, { catchUpThrough: through });
      if (!frame.inFlight) {
        // A reply we were following ended while the socket was down: the catch-up brings it.
        return step({ conversation: endRemote(c), socketTurn: null }, { catchUpThrough: through, remoteTurnEnded: isRemote(c) });
      }
      if (!remoteSlotFree(c)) return step({ conversation: c, socketTurn: 'own' }, { catchUpThrough: through });
      const { text, toolCalls } = frame.inFlight;
      // With tool calls the round's model output is complete and stored (the catch-up brings its
      // text); what streams next is the following round.
      const streaming: StreamingReply = {
        ...emptyRemote(),
        text: toolCalls.length > 0 ? '' : text,
        toolCalls: [...toolCalls],
        toolResults: isRemote(c) ? c.streaming!.toolResults : {},
      };
      return step({ conversation: { ...c, streaming }, socketTurn: 'remote' }, { catchUpThrough: through });
    }
    case 'user_message': {
      const message = frame.message;
      const own = ownTurn !== null && message.clientMessageId === ownTurn;
      const next = absorb(c, message);
      if (own) return step({ conversation: next, socketTurn: 'own' }, { catchUpThrough: message.seq });
      const streaming = remoteSlotFree(next) ? emptyRemote() : next.streaming;
      return step({ conversation: { ...next, streaming }, socketTurn: 'remote' }, { catchUpThrough: message.seq });
    }
    case 'delta':
    case 'tool_call':
    case 'tool_result': {
      // Unattributed frames while our SSE turn runs are most likely its own copies: SSE has them.
      if (view.socketTurn === 'own' || (view.socketTurn === null && ownTurn !== null) || !remoteSlotFree(c)) return step(view);
      const streaming = isRemote(c) ? c.streaming! : emptyRemote();
      let updated: StreamingReply;
      if (frame.type === 'delta') updated = { ...streaming, text: streaming.text + frame.text };
      else if (frame.type === 'tool_call') {
        const call: ToolCallDto = { id: frame.id, name: frame.name, arguments: frame.arguments };
        updated = { ...streaming, toolCalls: [...streaming.toolCalls.filter((t) => t.id !== call.id), call] };
      } else updated = { ...streaming, toolResults: { ...streaming.toolResults, [frame.id]: frame.result } };
      return step({ conversation: { ...c, streaming: updated }, socketTurn: 'remote' });
    }
    case 'assistant_message': {
      const message = frame.message;
      const next = absorb(c, message);
      // Only a turn's last message has a frame of its own; tool rounds arrive by catch-up.
      if (message.role !== 'assistant') return step({ conversation: next, socketTurn: view.socketTurn }, { catchUpThrough: message.seq });
      if (view.socketTurn === 'own' || (view.socketTurn === null && !isRemote(c) && ownTurn !== null)) {
        return step({ conversation: next, socketTurn: null });
      }
      return step({ conversation: endRemote(next), socketTurn: null }, { catchUpThrough: message.seq, remoteTurnEnded: true });
    }
    case 'draft':
      // Drafts belong to the composer: the chat store hands them to its draft sync before this.
      return step(view);
    case 'head':
      // Another tab switched branches (SPEC §16): the chat store reloads the path before this.
      return step(view);
    case 'title':
      // The chat's title, not its conversation: the chat store shows it before this.
      return step(view);
    case 'error': {
      if (view.socketTurn === 'own' || (view.socketTurn === null && ownTurn !== null) || !remoteSlotFree(c)) return step(view);
      // The failed turn is the chat's latest user message: show its error (and Retry) here too.
      const asked = c.messages.findLast((m) => m.role === 'user')?.clientMessageId;
      const ended = endRemote(c);
      return step({ conversation: asked ? failPending(ended, asked, { code: frame.code, message: frame.message }) : ended, socketTurn: view.socketTurn });
    }
  }
}
