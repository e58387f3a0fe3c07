/**
 * Tools the model may call (SPEC §6). Each has a zod schema (its JSON schema is what the
 * model sees), validates its arguments, acts only on the calling user's rows and returns a
 * compact JSON result. A bad argument is an error *result* for the model, never a crash.
 */
import { z } from 'zod';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { AppConfig } from '../../shared/config';
import type { Db } from '../../db/client';
import type { ToolName } from '../../shared/agents';
import { logError } from '../../shared/safe-log';
import { toolCallCapMessage } from '../../shared/caps';

export interface ToolContext {
  db: Db;
  config: AppConfig;
  userId: string;
  agentName: string;
  chatId: string;
  /** The seq of the user message whose turn is running: where a memory written now came from. */
  turnSeq: number;
  /** Memories feed the system prompt: a tool that changes them must invalidate it. */
  invalidatePrompt(): void;
}

export interface Tool<Schema extends z.ZodType = z.ZodType> {
  name: ToolName;
  description: string;
  schema: Schema;
  run(args: z.infer<Schema>, context: ToolContext): Promise<unknown>;
}

/** Lets each tool keep its precise argument type inside a heterogeneous list. */
export const defineTool = <Schema extends z.ZodType>(tool: Tool<Schema>): Tool => tool as unknown as Tool;

export class ToolError extends Error {}

export interface ToolOutcome {
  /** The JSON text the model receives as the tool message. */
  result: string;
  ok: boolean;
}

export class ToolRegistry {
  readonly #tools: Map<string, Tool>;
  readonly definitions: ChatCompletionFunctionTool[];

  constructor(tools: readonly Tool[]) {
    this.#tools = new Map(tools.map((t) => [t.name, t]));
    this.definitions = tools.map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: z.toJSONSchema(t.schema) as Record<string, unknown> },
    }));
  }

  get size(): number {
    return this.#tools.size;
  }

  async run(name: string, rawArguments: string, context: ToolContext): Promise<ToolOutcome> {
    const tool = this.#tools.get(name);
    if (!tool) return failure(`Unknown tool "${name}"`);
    let parsedJson: unknown;
    try {
      parsedJson = rawArguments.trim() ? JSON.parse(rawArguments) : {};
    } catch {
      return failure('Arguments are not valid JSON');
    }
    const args = tool.schema.safeParse(parsedJson);
    if (!args.success) {
      const issue = args.error.issues[0];
      return failure(`Invalid arguments: ${issue ? `${issue.path.join('.') || 'arguments'}: ${issue.message}` : 'invalid'}`);
    }
    try {
      return { result: JSON.stringify(await tool.run(args.data, context)), ok: true };
    } catch (error) {
      if (error instanceof ToolError) return failure(error.message);
      logError('tool failed', error, { tool: name }); // scrubbed: SPEC §13
      return failure('The tool failed unexpectedly');
    }
  }
}

/** A call past MAX_TOOL_CALLS_PER_ROUND: an error result for the model, nothing run. */
export const refusedToolCall = (max: number): ToolOutcome => failure(toolCallCapMessage(max));

function failure(message: string): ToolOutcome {
  return { result: JSON.stringify({ error: message }), ok: false };
}
