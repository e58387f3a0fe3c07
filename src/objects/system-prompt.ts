/**
 * Compiles the system prompt (SPEC §4.3): the agent's prompt, the user's own instructions and
 * their most recent memories. The date is appended per turn so a warm prompt never goes stale.
 */
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../worker/db/client';
import { agentInstructions, agentMemories } from '../worker/db/schema';
import type { AgentDefinition } from './agents';

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

export function compileSystemPrompt(agent: AgentDefinition, inputs: PromptInputs): string {
  const parts = [agent.systemPrompt];
  if (inputs.instructions.trim()) {
    parts.push(`## The user's instructions\nFollow these unless they conflict with your tools or safety:\n${inputs.instructions.trim()}`);
  }
  if (inputs.memories.length > 0) {
    const lines = [...inputs.memories].reverse().map((m) => `- ${m.content}`);
    parts.push(`## What you remember about the user\n${lines.join('\n')}`);
  }
  return parts.join('\n\n');
}

export function withCurrentDate(prompt: string, now: Date): string {
  return `${prompt}\n\nCurrent date and time (UTC): ${now.toISOString()}`;
}
