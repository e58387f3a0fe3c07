/**
 * The AIChatAgent anchor (bench/run.mjs): a minimal chat agent as the Agents SDK documents it.
 * Each chat is one Durable Object; the client sends the conversation over the agent's WebSocket,
 * the SDK stores it, calls onChatMessage and streams the AI SDK's UI message chunks back. The
 * model is the mock model the app and the floor call, through the AI SDK's OpenAI provider on
 * Chat Completions (the mock speaks only that API). Nothing here is tuned: the point is to
 * measure what the SDK costs as shipped.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { AIChatAgent } from '@cloudflare/ai-chat';
import { routeAgentRequest } from 'agents';
import { convertToModelMessages, streamText } from 'ai';

interface AiChatEnv {
  MOCK_URL: string;
  BenchChat: DurableObjectNamespace<BenchChat>;
}

// The SDK bounds its Env by the global Cloudflare.Env; this Worker adds its own bindings to it.
export class BenchChat extends AIChatAgent<Cloudflare.Env & AiChatEnv> {
  override async onChatMessage(_onFinish: unknown, options?: { abortSignal?: AbortSignal }): Promise<Response> {
    const provider = createOpenAI({ baseURL: this.env.MOCK_URL, apiKey: 'bench' });
    const result = streamText({
      model: provider.chat('mock-model'),
      messages: await convertToModelMessages(this.messages),
      abortSignal: options?.abortSignal,
    });
    return result.toUIMessageStreamResponse();
  }
}

export default {
  async fetch(request: Request, env: AiChatEnv): Promise<Response> {
    return (await routeAgentRequest(request, env)) ?? new Response('connect a WebSocket to /agents/bench-chat/<name>\n', { status: 404 });
  },
};
