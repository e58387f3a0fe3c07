/**
 * One streamed model call: feeds text deltas to the caller as they arrive and assembles the
 * tool calls, whose id, name and arguments come in pieces keyed by index.
 */
import type OpenAI from 'openai';
import type { ChatCompletionFunctionTool, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ToolCallRecord } from '../history-window';

export interface ModelRequest {
  client: OpenAI;
  model: string;
  temperature: number;
  messages: ChatCompletionMessageParam[];
  tools: ChatCompletionFunctionTool[];
  signal: AbortSignal;
  onDelta(text: string): void;
}

export interface ModelReply {
  content: string;
  toolCalls: ToolCallRecord[];
  promptTokens: number | null;
  completionTokens: number | null;
  /** False when the stream ended without a finish reason: it was cut off. */
  finished: boolean;
}

export class StreamCutError extends Error {}

export async function streamModelReply(request: ModelRequest): Promise<ModelReply> {
  const stream = await request.client.chat.completions.create(
    {
      model: request.model,
      temperature: request.temperature,
      messages: request.messages,
      ...(request.tools.length ? { tools: request.tools } : {}),
      stream: true,
      stream_options: { include_usage: true },
    },
    { signal: request.signal },
  );
  let content = '';
  let finished = false;
  let usage: { prompt_tokens: number; completion_tokens: number } | null = null;
  const calls: { id: string; name: string; arguments: string }[] = [];

  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    const text = choice.delta.content;
    if (text) {
      content += text;
      request.onDelta(text);
    }
    for (const piece of choice.delta.tool_calls ?? []) {
      const call = (calls[piece.index] ??= { id: '', name: '', arguments: '' });
      if (piece.id) call.id = piece.id;
      if (piece.function?.name) call.name += piece.function.name;
      if (piece.function?.arguments) call.arguments += piece.function.arguments;
    }
    if (choice.finish_reason) finished = true;
  }
  return {
    content,
    toolCalls: calls.filter(Boolean).map((c, i) => ({ id: c.id || `call_${i}`, name: c.name, arguments: c.arguments })),
    promptTokens: usage?.prompt_tokens ?? null,
    completionTokens: usage?.completion_tokens ?? null,
    finished,
  };
}
