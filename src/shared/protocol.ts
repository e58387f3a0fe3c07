/**
 * The turn wire protocol (SPEC §5), shared by the Worker, the executor and the web client:
 * SSE event names and payloads, also used as `{type, ...payload}` frames on the live channel.
 * Type-only apart from the name lists, so the client bundle pulls in no server code.
 */

export const MESSAGE_ROLES = ['user', 'assistant', 'tool'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];
export const MESSAGE_STATUSES = ['complete', 'interrupted', 'error'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface ToolCallDto {
  id: string;
  name: string;
  /** The JSON arguments as the model wrote them. */
  arguments: string;
}

/** One consecutive part of a turn, e.g. `auth`, `prepare`, `model_request`, `stream`, `tools`. */
export interface TimingStage {
  name: string;
  ms: number;
}

export interface MessageTimings {
  buildMs: number;
  ttftMs: number | null;
  totalMs: number;
  toolMs: number;
  /** The turn from its arrival at the Worker to the stored reply, stage by stage (SPEC §12.4). */
  stages?: TimingStage[];
  /** D1 statements issued between the turn's arrival and its first token: 0 on a warm turn. */
  d1BeforeFirstToken?: number | null;
}

/** A message's place among the messages with the same parent (SPEC §16), 1-based, in seq order. */
export interface SiblingsDto {
  index: number;
  count: number;
}

export interface MessageDto {
  id: string;
  seq: number;
  /** The message this one follows; null for a first message (SPEC §16). */
  parentSeq: number | null;
  /** Other versions of this message (an edit, a regenerated reply) are its siblings: "‹ 2 / 3 ›". */
  siblings: SiblingsDto;
  role: MessageRole;
  content: string;
  toolCalls: ToolCallDto[] | null;
  toolCallId: string | null;
  name: string | null;
  status: MessageStatus;
  clientMessageId: string | null;
  timings: MessageTimings | null;
  createdAt: number;
}

export interface TurnEvents {
  /** The user's message is durable: the acknowledgment. */
  user_message: { message: MessageDto };
  delta: { text: string };
  tool_call: ToolCallDto;
  tool_result: { id: string; name: string; result: string };
  /** An assistant or tool message was stored (tool-calling rounds store one per round). */
  assistant_message: { message: MessageDto };
  error: { code: string; message: string };
  /**
   * The turn is over and stored. `bookmark`: how far the user's database had been written when
   * it ended (SPEC §17), so a client reading history next reads at least that much.
   */
  done: { bookmark?: string };
}

export interface LiveEvents extends Omit<TurnEvents, 'done'> {
  snapshot: { lastSeq: number; inFlight: { messageId: string; text: string; toolCalls: ToolCallDto[] } | null };
  /** The chat's draft changed in another tab or device (empty text: cleared). */
  draft: { text: string; updatedAt: number };
  /** Another tab switched the chat to another branch: reload the path ending at `seq` (SPEC §16). */
  head: { seq: number };
  /** The chat's title changed: a rename, or the title the model wrote after the first reply (SPEC §4.7). */
  title: { title: string };
}

export type TurnEventName = keyof TurnEvents;
export type TurnEvent = { [K in TurnEventName]: { event: K; data: TurnEvents[K] } }[TurnEventName];
export type LiveFrame = { [K in keyof LiveEvents]: { type: K } & LiveEvents[K] }[keyof LiveEvents];

export const TURN_EVENT_NAMES = [
  'user_message',
  'delta',
  'tool_call',
  'tool_result',
  'assistant_message',
  'error',
  'done',
] as const satisfies readonly TurnEventName[];

/** The non-streaming answer of POST /chats/:id/messages. */
export interface TurnResult {
  userMessage: MessageDto;
  message: MessageDto | null;
  toolCalls: ToolCallDto[];
  error: { code: string; message: string } | null;
}
