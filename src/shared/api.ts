/**
 * The HTTP API's JSON shapes (SPEC §5), shared by the Worker's serializers and the web client,
 * so both sides are checked against one definition.
 */
import type { MessageDto } from './protocol';

/**
 * Read-your-writes across D1 replicas (SPEC §17): responses name how far the user's database
 * has been seen; the client sends the latest one back and its reads are at least that fresh.
 */
export const D1_BOOKMARK_HEADER = 'X-D1-Bookmark';

export const END_REASONS = ['unload', 'expired', 'logout', 'replaced'] as const;
export type EndReason = (typeof END_REASONS)[number];
export const TASK_STATUSES = ['todo', 'doing', 'done'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TASK_PRIORITIES = ['low', 'normal', 'high'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export interface UserDto {
  id: string;
  email: string;
}
export interface AuthResult {
  user: UserDto;
  token: string;
}

export interface HealthDto {
  ok: true;
  version: string;
  demoMode: boolean;
  heartbeatIntervalS: number;
}

export interface AgentDto {
  name: string;
  displayName: string;
  description: string;
  model: string;
  tools: string[];
}
/** The deployment's text limits (MAX_MESSAGE_CHARS, MAX_INSTRUCTIONS_CHARS): the UI counts against these, never a copy of them. */
export interface TextLimitsDto {
  maxMessageChars: number;
  maxInstructionsChars: number;
}

export interface AgentsResponse {
  agents: AgentDto[];
  demoMode: boolean;
  limits: TextLimitsDto;
}

export interface InstructionsDto {
  instructions: string;
  updatedAt: number | null;
}

export interface MemorySourceDto {
  chatId: string;
  /** null when the title is not known (e.g. in a tool result). */
  chatTitle: string | null;
  /** The user message of the turn that wrote the memory. */
  seq: number;
}

export interface MemoryDto {
  id: string;
  content: string;
  createdAt: number;
  /** Where the memory came from (SPEC §14); null for one added by hand or before provenance. */
  source: MemorySourceDto | null;
}

export interface LastMessageDto {
  role: string;
  content: string;
  createdAt: number;
}

export interface ChatDto {
  id: string;
  agentName: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  lastMessage: LastMessageDto | null;
}
export interface ChatPage {
  chats: ChatDto[];
  nextCursor: string | null;
}

export interface MessagePage {
  messages: MessageDto[];
  hasMore: boolean;
}

/** PUT /chats/:id/head (SPEC §16): the branch now shown, and the first page of its path. */
export interface HeadPage extends MessagePage {
  /** The newest leaf under the message asked for: where the path ends. */
  headSeq: number;
}

export interface SessionDto {
  id: string;
  chatId: string;
  agentName: string;
  isActive: boolean;
  lastHeartbeatAt: number;
  createdAt: number;
}
export interface DraftDto {
  text: string;
  updatedAt: number;
}

export interface SessionOpenResult extends MessagePage {
  session: SessionDto;
  chat: ChatDto;
  /** The chat's unsent text, from any tab or device (SPEC §14). */
  draft: DraftDto | null;
}

/** GET /chats/:id/context: exactly what the next turn sends before its new message (SPEC §14). */
export interface ContextDto {
  model: string;
  system: string;
  instructions: string;
  memories: { id: string; content: string }[];
  window: ContextMessageDto[];
  /** Messages of the chat not in the window. */
  omitted: number;
  tokens: { system: number; window: number; total: number; budget: number };
}

export interface ContextMessageDto {
  seq: number;
  role: string;
  content: string;
  toolCalls: { id: string; name: string; arguments: string }[] | null;
  toolCallId: string | null;
  name: string | null;
}

export interface TaskDto {
  id: string;
  title: string;
  notes: string;
  status: TaskStatus;
  priority: TaskPriority;
  dueAt: number | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
}
export interface TaskPage {
  tasks: TaskDto[];
  nextCursor: string | null;
}

/** GET /agents/:agent/executor (SPEC §3). */
export interface ExecutorStateDto {
  cached: boolean;
  builtAt: number | null;
  hits: number;
  misses: number;
  evictions: number;
  activeSessions: number;
  inFlight: number;
  nextAlarmAt: number | null;
}

// ── History: search, import, shared links (SPEC §15) ─────────────────────────

/** GET /search: one message that holds every word and phrase of the query. */
export interface SearchResultDto {
  chatId: string;
  chatTitle: string;
  agentName: string;
  messageId: string;
  seq: number;
  role: string;
  /** Plain text around the matches (never HTML); `…` where it was cut. */
  snippet: string;
  /** The matches in `snippet` as [start, end) JavaScript string offsets (UTF-16 code units). */
  ranges: [number, number][];
  createdAt: number;
}
export interface SearchResponse {
  results: SearchResultDto[];
}

/** GET /chats/:id/messages?around=<seq>: the page centred on a message. */
export interface AroundPage extends MessagePage {
  /** Older messages exist (same as `hasMore`, so scroll-up code reads the page as any other). */
  hasMoreBefore: boolean;
  /** Newer messages exist: page on with `after=<last seq>`. */
  hasMoreAfter: boolean;
}

/** POST /chats/import → 201. */
export interface ImportResultDto {
  /** `messages`: how many messages the chat got. */
  imported: { chatId: string; title: string; messages: number }[];
  /** Conversations not imported, and parts of imported ones that were left out, with why. */
  skipped: { title: string; reason: string }[];
}

export interface ShareDto {
  id: string;
  /** The read-only page (`/s/:id` of the app), readable without login. */
  url: string;
  createdAt: number;
  /** The last message the link shows. */
  uptoSeq: number;
}

/** GET /shares/:id (no login): the chat as it was when shared. */
export interface SharedChatDto {
  /** The title when shared. */
  title: string;
  agentName: string;
  /** When it was shared. */
  createdAt: number;
  /** Tool messages are summarised ("Used create_task"); tool arguments and results never appear. */
  messages: { role: string; content: string; createdAt: number }[];
}
