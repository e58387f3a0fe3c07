/** Seeding chats and messages for the history tests (search, around, shares, import). */
import { shardOfChat } from './shard-helpers';
import { expectStatus } from './helpers';
import type { AgentName, Caller } from './helpers';

export interface Seeded {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  name?: string;
}

export async function createChat(caller: Caller, agent: AgentName = 'assistant'): Promise<string> {
  return (await expectStatus(201, 'POST', '/chats', { caller, body: { agent } })).chat.id as string;
}

/** Inserts messages straight into D1 after the chat's last one, as earlier turns would have left them. */
export async function addMessages(chatId: string, messages: Seeded[]): Promise<{ id: string; seq: number }[]> {
  const db = await shardOfChat(chatId);
  const last = await db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM chat_messages WHERE chat_id = ?').bind(chatId).first<{ seq: number }>();
  const rows = messages.map((m, i) => ({ ...m, id: crypto.randomUUID(), seq: last!.seq + i + 1 }));
  await db.batch(
    rows.map((m) =>
      db.prepare("INSERT INTO chat_messages (id, chat_id, seq, role, content, name, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'complete', ?)").bind(
        m.id,
        chatId,
        m.seq,
        m.role,
        m.content,
        m.name ?? null,
        1_700_000_000_000 + m.seq,
      ),
    ),
  );
  return rows.map(({ id, seq }) => ({ id, seq }));
}

export interface SearchResult {
  chatId: string;
  chatTitle: string;
  agentName: string;
  messageId: string;
  seq: number;
  role: string;
  snippet: string;
  ranges: [number, number][];
  createdAt: number;
}

export async function search(caller: Caller, q: string, extra = ''): Promise<SearchResult[]> {
  const body = await expectStatus<{ results: SearchResult[] }>(200, 'GET', `/search?q=${encodeURIComponent(q)}${extra}`, { caller });
  return body.results;
}

/** The marked words of a result, as the UI would highlight them. */
export const highlighted = (r: SearchResult) => r.ranges.map(([start, end]) => r.snippet.slice(start, end));
