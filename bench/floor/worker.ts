/**
 * The benchmark floor (bench/run.mjs): POST / with `{content}` calls the mock model's
 * /v1/chat/completions with stream:true and returns the upstream SSE body unchanged. Every
 * byte the client sees went model → this Worker → client, with nothing else on the path, so
 * its timings are the least any design of a turn can cost on the same machine.
 */
interface FloorEnv {
  MOCK_URL: string;
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    if (request.method !== 'POST') return new Response('POST a {"content"} to stream a reply\n', { status: 405 });
    const { content } = (await request.json()) as { content?: string };
    const upstream = await fetch(`${env.MOCK_URL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer floor' },
      body: JSON.stringify({ model: 'mock-model', stream: true, messages: [{ role: 'user', content: content ?? '' }] }),
    });
    return new Response(upstream.body, {
      status: upstream.status,
      headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform' },
    });
  },
};
