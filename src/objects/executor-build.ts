/**
 * Builds the warm executor of one (user, agent): the agent definition, the compiled system
 * prompt, the model client and the per-chat history windows. Everything here can be rebuilt
 * from D1 at any moment, which is what makes eviction safe.
 */
import OpenAI from 'openai';
import type { AppConfig } from '../shared/config';
import type { Db } from '../db/client';
import { getAgent } from '../shared/agents';
import type { AgentDefinition } from '../shared/agents';
import { HistoryWindow } from './history-window';
import type { Owner } from '../shared/owner';
import { loadPromptInputs } from '../db/memories';
import type { PromptInputs } from '../db/memories';
import { compileSystemPrompt } from './system-prompt';
import { fetchThenSignal } from './turn/request-sent';
import { toolsFor } from './tools';
import type { ToolRegistry } from './tools/tool-registry';

/** The SDK retries 429/5xx/timeouts itself with backoff; two retries keeps a failing turn short. */
export const MODEL_MAX_RETRIES = 2;

export interface CompiledPrompt {
  text: string;
  inputs: PromptInputs;
}

export class BuiltExecutor {
  readonly builtAt = Date.now();
  readonly agent: AgentDefinition;
  readonly client: OpenAI;
  readonly model: string;
  readonly windows: HistoryWindow;
  /** Tool definitions compiled once; each run is bound to the caller through its ToolContext. */
  readonly tools: ToolRegistry;
  readonly #db: Db;
  readonly #owner: Owner;
  readonly #memoryPromptLimit: number;
  /** The compiled prompt and what it was compiled from; null once instructions or memories changed. */
  #prompt: CompiledPrompt | null;

  constructor(db: Db, config: AppConfig, owner: Owner, inputs: PromptInputs, apiKey: string | undefined) {
    this.#db = db;
    this.#owner = owner;
    this.#memoryPromptLimit = config.memoryPromptLimit;
    this.agent = getAgent(owner.agentName);
    this.#prompt = { text: compileSystemPrompt(this.agent, inputs), inputs };
    this.model = this.agent.model ?? config.openaiModel;
    // One more than HISTORY_WINDOW: the window also holds the turn's new message.
    this.windows = new HistoryWindow(config.historyWindow + 1);
    this.tools = toolsFor(this.agent);
    this.client = new OpenAI({
      apiKey: apiKey || 'demo-mode-no-key',
      baseURL: config.openaiBaseUrl,
      timeout: config.openaiTimeoutMs,
      maxRetries: MODEL_MAX_RETRIES,
      fetch: fetchThenSignal,
    });
  }

  /** The compiled prompt with its inputs, recompiled from D1 after an invalidation. */
  async compiledPrompt(): Promise<CompiledPrompt> {
    if (this.#prompt === null) {
      const inputs = await loadPromptInputs(this.#db, this.#owner.userId, this.#owner.agentName, this.#memoryPromptLimit);
      this.#prompt = { text: compileSystemPrompt(this.agent, inputs), inputs };
    }
    return this.#prompt;
  }

  async systemPrompt(): Promise<string> {
    return (await this.compiledPrompt()).text;
  }

  invalidatePrompt(): void {
    this.#prompt = null;
  }
}

export async function buildExecutor(db: Db, config: AppConfig, owner: Owner, apiKey: string | undefined): Promise<BuiltExecutor> {
  const inputs = await loadPromptInputs(db, owner.userId, owner.agentName, config.memoryPromptLimit);
  return new BuiltExecutor(db, config, owner, inputs, apiKey);
}
