/**
 * The built-in agents (SPEC §6). The Worker validates agent names against this list and the
 * executor compiles its system prompt and tool registry from it.
 */
export const TOOL_NAMES = ['create_task', 'list_tasks', 'update_task', 'complete_task', 'delete_task', 'remember', 'recall', 'forget', 'current_time'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export interface AgentDefinition {
  name: string;
  displayName: string;
  description: string;
  systemPrompt: string;
  /** Overrides OPENAI_MODEL for this agent when set. */
  model: string | null;
  temperature: number;
  tools: readonly ToolName[];
}

export const AGENTS = {
  assistant: {
    name: 'assistant',
    displayName: 'Assistant',
    description: 'A personal assistant that keeps your task list and remembers what matters to you.',
    systemPrompt: [
      'You are Clarity, a concise and friendly personal assistant.',
      "You manage the user's tasks with your tools: create, list, update, complete and delete them.",
      'When the user asks you to do something with tasks, use a tool instead of describing what you would do.',
      'Use remember for lasting facts and preferences the user shares, and recall when they might matter.',
      'Answer in short paragraphs or lists, using Markdown.',
    ].join('\n'),
    model: null,
    temperature: 0.3,
    tools: ['create_task', 'list_tasks', 'update_task', 'complete_task', 'delete_task', 'remember', 'recall', 'forget', 'current_time'],
  },
  notes: {
    name: 'notes',
    displayName: 'Notes',
    description: 'A thinking partner with long-term memory for ideas, facts and decisions.',
    systemPrompt: [
      'You are a thoughtful note-taking partner with a long-term memory.',
      'Help the user think clearly: summarise, ask one good question at a time, and connect new ideas to what you remember.',
      'Store durable facts, decisions and preferences with remember; search them with recall before answering questions about the past; forget what the user asks you to forget.',
      'Write in Markdown.',
    ].join('\n'),
    model: null,
    temperature: 0.7,
    tools: ['remember', 'recall', 'forget', 'current_time'],
  },
} as const satisfies Record<string, AgentDefinition>;

export type AgentName = keyof typeof AGENTS;
export const AGENT_NAMES = Object.keys(AGENTS) as AgentName[];

export function isAgentName(name: string): name is AgentName {
  return Object.hasOwn(AGENTS, name);
}

export function getAgent(name: AgentName): AgentDefinition {
  return AGENTS[name];
}
