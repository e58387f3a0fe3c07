import type { AgentDefinition } from '../../shared/agents';
import { memoryTools } from './memory-tools';
import { taskTools } from './task-tools';
import { ToolRegistry } from './tool-registry';

const ALL_TOOLS = [...taskTools, ...memoryTools];

/** The registry of the tools one agent may use. */
export function toolsFor(agent: AgentDefinition): ToolRegistry {
  return new ToolRegistry(ALL_TOOLS.filter((t) => agent.tools.includes(t.name)));
}
