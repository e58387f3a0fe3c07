/** The API's JSON shapes for chats, messages and sessions (SPEC §5). */
import type { MessageDto, MessageTimings, ToolCallDto } from '../../shared/protocol';
import type { Chat, ChatMessage, ChatSession } from '../db/schema';

export interface LastMessage {
  role: string;
  content: string;
  createdAt: number;
}

export function serializeChat(chat: Chat, lastMessage: LastMessage | null = null) {
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
export type ChatJson = ReturnType<typeof serializeChat>;

export function serializeMessage(m: ChatMessage): MessageDto {
  return {
    id: m.id,
    seq: m.seq,
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
export type MessageJson = MessageDto;

export function serializeSession(s: Pick<ChatSession, 'id' | 'chatId' | 'agentName' | 'isActive' | 'lastHeartbeatAt' | 'createdAt'>) {
  return {
    id: s.id,
    chatId: s.chatId,
    agentName: s.agentName,
    isActive: s.isActive,
    lastHeartbeatAt: s.lastHeartbeatAt,
    createdAt: s.createdAt,
  };
}
export type SessionJson = ReturnType<typeof serializeSession>;
