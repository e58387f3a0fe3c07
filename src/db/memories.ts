/**
 * agent_memories and agent_instructions for the HTTP routes and the remember/recall/forget tools. At most
 * MEMORY_LIMIT per (user, agent): adding one past the cap prunes the oldest in the same batch.
 */
import { and, desc, eq, inArray, isNotNull, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from './client';
import { containsText } from './contains';
import { agentInstructions, agentMemories, chats } from './schema';
import type { Memory } from './schema';

/** Insertion order breaks ties between memories saved in the same millisecond. */
const newestFirst = [desc(agentMemories.createdAt), desc(sql`"agent_memories".rowid`)] as const;

const owned = (userId: string, agentName: string) => and(eq(agentMemories.userId, userId), eq(agentMemories.agentName, agentName));

/** A memory with the title of the chat it came from, when that chat still exists. */
export type SourcedMemory = Memory & { sourceChatTitle: string | null };

const withSourceTitle = { memory: agentMemories, sourceChatTitle: chats.title };

export async function listMemories(db: Db, userId: string, agentName: string, limit = 500): Promise<SourcedMemory[]> {
  const rows = await db
    .select(withSourceTitle)
    .from(agentMemories)
    .leftJoin(chats, and(eq(chats.id, agentMemories.sourceChatId), eq(chats.userId, agentMemories.userId)))
    .where(owned(userId, agentName))
    .orderBy(...newestFirst)
    .limit(limit);
  return rows.map((r) => ({ ...r.memory, sourceChatTitle: r.sourceChatTitle }));
}

/** The memories a chat's turns wrote (SPEC §14), newest first. */
export async function listChatMemories(db: Db, userId: string, chatId: string): Promise<SourcedMemory[]> {
  const rows = await db
    .select(withSourceTitle)
    .from(agentMemories)
    .innerJoin(chats, eq(chats.id, agentMemories.sourceChatId))
    .where(and(eq(agentMemories.userId, userId), eq(agentMemories.sourceChatId, chatId), isNotNull(agentMemories.sourceSeq)))
    .orderBy(...newestFirst);
  return rows.map((r) => ({ ...r.memory, sourceChatTitle: r.sourceChatTitle }));
}

/** What deleting a chat does to the memories it wrote: deletes them, or keeps them without a source. */
export function memoriesOfDeletedChat(db: Db, chatId: string, choice: 'delete' | 'keep') {
  const ofChat = eq(agentMemories.sourceChatId, chatId);
  return choice === 'delete'
    ? db.delete(agentMemories).where(ofChat)
    : db.update(agentMemories).set({ sourceChatId: null, sourceSeq: null }).where(ofChat);
}

export interface MemorySource {
  chatId: string;
  /** The seq of the user message whose turn wrote the memory. */
  seq: number;
}

export async function addMemory(db: Db, userId: string, agentName: string, content: string, source: MemorySource | null, limit: number): Promise<Memory> {
  const now = Date.now();
  const memory: Memory = { id: crypto.randomUUID(), userId, agentName, content, sourceChatId: source?.chatId ?? null, sourceSeq: source?.seq ?? null, createdAt: now, updatedAt: now };
  const newest = db
    .select({ id: agentMemories.id })
    .from(agentMemories)
    .where(owned(userId, agentName))
    .orderBy(...newestFirst)
    .limit(limit);
  await db.batch([
    db.insert(agentMemories).values(memory),
    db.delete(agentMemories).where(and(owned(userId, agentName), notInArray(agentMemories.id, newest))),
  ]);
  return memory;
}

export async function deleteMemory(db: Db, userId: string, agentName: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(agentMemories)
    .where(and(owned(userId, agentName), eq(agentMemories.id, id)))
    .returning({ id: agentMemories.id });
  return deleted.length > 0;
}

/** Keyword search: a memory matches when it contains any word of the query (case-insensitive). */
export async function searchMemories(db: Db, userId: string, agentName: string, query: string, limit: number): Promise<Memory[]> {
  const words = query
    .toLowerCase()
    .split(/\W+/)
    .filter((w) => w.length > 2)
    .slice(0, 8);
  return db
    .select()
    .from(agentMemories)
    .where(and(owned(userId, agentName), words.length ? or(...words.map((w) => containsText(agentMemories.content, w))) : undefined))
    .orderBy(...newestFirst)
    .limit(limit);
}

export async function deleteMemoriesById(db: Db, userId: string, agentName: string, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const deleted = await db
    .delete(agentMemories)
    .where(and(owned(userId, agentName), inArray(agentMemories.id, ids)))
    .returning({ id: agentMemories.id });
  return deleted.length;
}

export async function getInstructions(db: Db, userId: string, agentName: string) {
  const [row] = await db
    .select()
    .from(agentInstructions)
    .where(and(eq(agentInstructions.userId, userId), eq(agentInstructions.agentName, agentName)))
    .limit(1);
  return row ?? null;
}

export async function putInstructions(db: Db, row: typeof agentInstructions.$inferInsert): Promise<void> {
  await db
    .insert(agentInstructions)
    .values(row)
    .onConflictDoUpdate({
      target: [agentInstructions.userId, agentInstructions.agentName],
      set: { instructions: row.instructions, updatedAt: row.updatedAt },
    });
}

/** What the executor compiles into the system prompt: the instructions and the newest memories, one round trip. */
export interface PromptInputs {
  instructions: string;
  memories: { id: string; content: string; createdAt: number }[];
}

export async function loadPromptInputs(db: Db, userId: string, agentName: string, memoryLimit: number): Promise<PromptInputs> {
  const [instructionRows, memories] = await db.batch([
    db
      .select({ instructions: agentInstructions.instructions })
      .from(agentInstructions)
      .where(and(eq(agentInstructions.userId, userId), eq(agentInstructions.agentName, agentName)))
      .limit(1),
    db
      .select({ id: agentMemories.id, content: agentMemories.content, createdAt: agentMemories.createdAt })
      .from(agentMemories)
      .where(owned(userId, agentName))
      .orderBy(...newestFirst)
      .limit(memoryLimit),
  ]);
  return { instructions: instructionRows[0]?.instructions ?? '', memories };
}
