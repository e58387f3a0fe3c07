/**
 * The HTTP API's JSON shapes (SPEC §5), shared by the Worker's serializers and the web client,
 * so both sides are checked against one definition.
 */
import type { MessageDto } from './protocol';

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
export interface AgentsResponse {
  agents: AgentDto[];
  demoMode: boolean;
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
