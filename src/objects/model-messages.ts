/** The chat as the model sees it, and a title from a first message. */
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ToolCallRecord, WindowMessage } from './history-window';

/** The window as the model sees it; failed replies with nothing in them carry no context. */
export function toModelMessages(messages: readonly WindowMessage[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  for (const m of messages) {
    if (m.role === 'user') out.push({ role: 'user', content: m.content });
    else if (m.role === 'tool') out.push({ role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content });
    else if (m.toolCalls?.length) out.push({ role: 'assistant', content: m.content || null, tool_calls: m.toolCalls.map(toModelToolCall) });
    else if (m.content) out.push({ role: 'assistant', content: m.content });
  }
  return out;
}

export function toModelToolCall(call: ToolCallRecord) {
  return { id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } };
}

/** A chat title from its first message: one line, at most 60 characters. */
export function titleFrom(content: string): string {
  const line = content.replace(/\s+/g, ' ').trim();
  return line.length <= 60 ? line : `${line.slice(0, 59).trimEnd()}…`;
}
