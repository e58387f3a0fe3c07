/** Rows to the API's JSON shapes (src/shared/api.ts, src/shared/protocol.ts). */
import type { ChatDto, LastMessageDto, MemoryDto, SessionDto, TaskDto } from '../shared/api';
import type { MessageDto, MessageTimings, SiblingsDto, ToolCallDto } from '../shared/protocol';
import type { Chat, ChatMessage, ChatSession, Memory, Task } from './schema';

export function serializeChat(chat: Chat, lastMessage: LastMessageDto | null = null): ChatDto {
  return {
    id: chat.id,
    agentName: chat.agentName,
    title: chat.title,
    createdAt: chat.createdAt,
    updatedAt: chat.updatedAt,
    archived: chat.archivedAt !== null,
    lastMessage,
  };
}

/** A message nothing else answers: the first one after its parent, or one on a path never branched. */
export const ONLY_CHILD: SiblingsDto = { index: 1, count: 1 };

/** `m.siblings` comes with messages read as part of a path (db/message-paths.ts). */
export function serializeMessage(m: ChatMessage & { siblings?: SiblingsDto | undefined }): MessageDto {
  return {
    id: m.id,
    seq: m.seq,
    parentSeq: m.parentSeq ?? null,
    siblings: m.siblings ?? ONLY_CHILD,
    role: m.role,
    content: m.content,
    toolCalls: (m.toolCalls as ToolCallDto[] | null) ?? null,
    toolCallId: m.toolCallId,
    name: m.name,
    status: m.status,
    clientMessageId: m.clientMessageId,
    timings: (m.timings as MessageTimings | null) ?? null,
    createdAt: m.createdAt,
  };
}

export function serializeSession(s: Pick<ChatSession, 'id' | 'chatId' | 'agentName' | 'isActive' | 'lastHeartbeatAt' | 'createdAt'>): SessionDto {
  return {
    id: s.id,
    chatId: s.chatId,
    agentName: s.agentName,
    isActive: s.isActive,
    lastHeartbeatAt: s.lastHeartbeatAt,
    createdAt: s.createdAt,
  };
}

export function serializeTask(task: Task): TaskDto {
  const { id, title, notes, status, priority, dueAt, createdAt, updatedAt, completedAt } = task;
  return { id, title, notes, status, priority, dueAt, createdAt, updatedAt, completedAt };
}

/** A memory with where it came from: the chat (and its title, if it still has one) and the turn's message. */
export function serializeMemory(m: Memory & { sourceChatTitle?: string | null }): MemoryDto {
  const source = m.sourceChatId && m.sourceSeq !== null ? { chatId: m.sourceChatId, chatTitle: m.sourceChatTitle ?? null, seq: m.sourceSeq } : null;
  return { id: m.id, content: m.content, createdAt: m.createdAt, source };
}
