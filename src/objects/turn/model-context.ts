/**
 * What the model is sent (SPEC §4.3, §14): the system prompt (agent prompt, the user's
 * instructions, memories, the date), then the chat's recent window — the last HISTORY_WINDOW
 * messages, trimmed to HISTORY_TOKEN_BUDGET, never splitting a tool call from its result —
 * then the new message. The turn and the "what the agent sees" preview both build it here,
 * so the preview cannot drift from the real request.
 */
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { AppConfig } from '../../shared/config';
import type { BuiltExecutor, CompiledPrompt } from '../executor-build';
import { estimateTokens, trimToBudget, wellFormed } from '../history-window';
import type { WindowMessage } from '../history-window';
import { toModelMessages } from '../model-messages';
import { withCurrentDate } from '../system-prompt';

export interface ModelContext {
  prompt: CompiledPrompt;
  /** The system message as sent: the compiled prompt and the current date. */
  system: string;
  /** The earlier messages sent, oldest first. */
  history: WindowMessage[];
  /** The whole request: system, history, then the new message (and tool calls a retried turn already made). */
  messages: ChatCompletionMessageParam[];
}

/**
 * The context for a turn whose new message is `newMessage`, or — for the preview — the
 * context before any new message (`null`): the window as the next turn would take it.
 */
export async function buildModelContext(
  executor: BuiltExecutor,
  config: AppConfig,
  chatId: string,
  newMessage: WindowMessage | null,
  now = new Date(),
): Promise<ModelContext> {
  const window = executor.windows.get(chatId) ?? [];
  // The new message joins the window only once its model request has left, so the window
  // may hold one more earlier message than HISTORY_WINDOW: keep the newest whole groups.
  const earlier = wellFormed(window.filter((m) => !newMessage || (m.id !== newMessage.id && m.seq < newMessage.seq)).slice(-config.historyWindow));
  const alreadyDone = newMessage ? wellFormed(window.filter((m) => m.seq > newMessage.seq && (m.role === 'tool' || m.toolCalls?.length))) : [];
  const history = trimToBudget(earlier, Math.max(0, config.historyTokenBudget - (newMessage ? estimateTokens(newMessage) : 0)));
  const prompt = await executor.compiledPrompt();
  const system = withCurrentDate(prompt.text, now);
  const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: system }, ...toModelMessages(history)];
  if (newMessage) messages.push(...toModelMessages([newMessage, ...alreadyDone]));
  return { prompt, system, history, messages };
}
