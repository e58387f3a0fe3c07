/**
 * Who an executor belongs to, and its object name `${userId}:${agentName}`. The Worker builds
 * the name from the authenticated user; the object reads its owner back from its own name.
 */
import { isAgentName } from './agents';
import type { AgentName } from './agents';

export interface Owner {
  userId: string;
  agentName: AgentName;
}

export const executorName = (owner: Owner) => `${owner.userId}:${owner.agentName}`;

/** The owner an executor name stands for, or null for a name this app never builds. */
export function parseExecutorName(name: string): Owner | null {
  const colon = name.lastIndexOf(':');
  const userId = name.slice(0, colon);
  const agentName = name.slice(colon + 1);
  if (colon <= 0 || !isAgentName(agentName)) return null;
  return { userId, agentName };
}
