/**
 * The JSON mode of a turn: reads the executor's SSE stream to its end and gathers the
 * stored messages, tool calls and any error — the same turn code serves both modes.
 */
import { createParser } from 'eventsource-parser';
import type { MessageDto, ToolCallDto, TurnEvents, TurnResult } from '../../shared/protocol';

export async function collectTurn(stream: ReadableStream<Uint8Array>): Promise<TurnResult & { toolResults: TurnEvents['tool_result'][] }> {
  let userMessage: MessageDto | null = null;
  let message: MessageDto | null = null;
  let error: TurnResult['error'] = null;
  const toolCalls: ToolCallDto[] = [];
  const toolResults: TurnEvents['tool_result'][] = [];
  const parser = createParser({
    onEvent(event) {
      const data = JSON.parse(event.data) as unknown;
      switch (event.event) {
        case 'user_message':
          userMessage = (data as TurnEvents['user_message']).message;
          break;
        case 'assistant_message':
          message = (data as TurnEvents['assistant_message']).message;
          break;
        case 'tool_call':
          toolCalls.push(data as ToolCallDto);
          break;
        case 'tool_result':
          toolResults.push(data as TurnEvents['tool_result']);
          break;
        case 'error':
          error = data as TurnEvents['error'];
          break;
      }
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of stream) parser.feed(decoder.decode(chunk, { stream: true }));
  if (!userMessage) throw new Error('turn stream ended without acknowledging the message');
  return { userMessage, message, toolCalls, toolResults, error };
}
