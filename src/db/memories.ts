/**
 * agent_memories and agent_instructions for the HTTP routes and the remember/recall/forget tools. At most
 * MEMORY_LIMIT per (user, agent): adding one past the cap prunes the oldest in the same batch.
 */
import { and, desc, eq, inArray, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from './client';
import { containsText } from './contains';
import { agentMemories, agentInstructions } from './schema';
import type { Memory } from './schema';

/** Insertion order breaks ties between memories saved in the same millisecond. */
const newestFirst = [desc(agentMemories.createdAt), desc(sql`rowid`)] as const;

const owned = (userId: string, agentName: string) => and(eq(agentMemories.userId, userId), eq(agentMemories.agentName, agentName));

export async function listMemories(db: Db, userId: string, agentName: string, limit = 500): Promise<Memory[]> {
  return db
    .select()
    .from(agentMemories)
    .where(owned(userId, agentName))
    .orderBy(...newestFirst)
    .limit(limit);
}

export async function addMemory(db: Db, userId: string, agentName: string, content: string, sourceChatId: string | null, limit: number): Promise<Memory> {
  const now = Date.now();
  const memory: Memory = { id: crypto.randomUUID(), userId, agentName, content, sourceChatId, createdAt: now, updatedAt: now };
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
  memories: { content: string; createdAt: number }[];
}

export async function loadPromptInputs(db: Db, userId: string, agentName: string, memoryLimit: number): Promise<PromptInputs> {
  const [instructionRows, memories] = await db.batch([
    db
      .select({ instructions: agentInstructions.instructions })
      .from(agentInstructions)
      .where(and(eq(agentInstructions.userId, userId), eq(agentInstructions.agentName, agentName)))
      .limit(1),
    db
      .select({ content: agentMemories.content, createdAt: agentMemories.createdAt })
      .from(agentMemories)
      .where(and(eq(agentMemories.userId, userId), eq(agentMemories.agentName, agentName)))
      .orderBy(desc(agentMemories.createdAt))
      .limit(memoryLimit),
  ]);
  return { instructions: instructionRows[0]?.instructions ?? '', memories };
}
