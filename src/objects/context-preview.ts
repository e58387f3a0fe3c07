/**
 * "What the agent sees" (SPEC §14): the next turn's context before its new message, from
 * the turn's own builder (turn/model-context.ts), with the instructions and each memory
 * marked, the window with how many messages it left out, and token estimates against the budget.
 */
import type { ContextDto } from '../shared/api';
import type { AppConfig } from '../shared/config';
import type { ChatLedger } from './chat-ledger';
import type { BuiltExecutor } from './executor-build';
import { estimateTokens } from './history-window';
import { buildModelContext } from './turn/model-context';

async function pathLength(ledger: ChatLedger, executor: BuiltExecutor, chatId: string): Promise<number> {
  const window = executor.windows.get(chatId) ?? [];
  return window[0]?.parentSeq === null || window.length === 0 ? window.length : ledger.pathLength(chatId);
}

export async function previewContext(deps: { config: AppConfig; ledger: ChatLedger }, executor: BuiltExecutor, chatId: string): Promise<ContextDto> {
  const context = await buildModelContext(executor, deps.config, chatId, null);
  const system = estimateTokens({ content: context.system, toolCalls: null });
  const window = context.history.reduce((sum, m) => sum + estimateTokens(m), 0);
  return {
    model: executor.model,
    system: context.system,
    instructions: context.prompt.inputs.instructions,
    memories: context.prompt.inputs.memories.map((m) => ({ id: m.id, content: m.content })),
    window: context.history.map((m) => ({ seq: m.seq, role: m.role, content: m.content, toolCalls: m.toolCalls, toolCallId: m.toolCallId, name: m.name })),
    // The head's path is the conversation (SPEC §16): other branches are never sent, so never
    // "left out" either. A window that starts at a root holds the whole path.
    omitted: Math.max(0, (await pathLength(deps.ledger, executor, chatId)) - context.history.length),
    tokens: { system, window, total: system + window, budget: deps.config.historyTokenBudget },
  };
}
