/**
 * Compiles the system prompt (SPEC §4.3): the agent's prompt, the user's own instructions and
 * their most recent memories. The date is appended per turn so a warm prompt never goes stale.
 */
import type { AgentDefinition } from '../shared/agents';
import type { PromptInputs } from '../db/memories';

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
