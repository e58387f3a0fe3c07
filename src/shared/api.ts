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

export interface MemoryDto {
  id: string;
  content: string;
  createdAt: number;
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
export interface SessionOpenResult extends MessagePage {
  session: SessionDto;
  chat: ChatDto;
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
