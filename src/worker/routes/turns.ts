/** SPEC §4–5: a chat turn as SSE or JSON, stop, and the older /chat contract. */
import { Hono } from 'hono';
import { z } from 'zod';
import { isAgentName } from '../../shared/agents';
import { chatDirectory } from '../chats/owner-directory';
import { ApiError } from '../../shared/errors';
import { executorFor, viaExecutor } from '../executor-client';
import type { HonoEnv } from '../hono-env';
import { requireAuth, requireSignedAuth } from '../middleware/auth';
import { userDb } from '../user-db';
import { agentOfChatId } from '../../shared/chat-id';
import { isAllowedOrigin } from '../middleware/origin-check';
import { readConfig } from '../../shared/config';
import { LIVE_INTENT_HEADER } from '../../shared/live-intent';
import type { LiveIntent } from '../../shared/live-intent';
import { collectTurn } from '../turns/collect-turn';
import { eventStreamResponse, startTurn, wantsEventStream } from '../turns/start-turn';
import { idParam, idSchema, plainText } from '../../shared/schemas';
import { validate } from '../validation';

/** Length is checked against MAX_MESSAGE_CHARS per deployment; this cap only bounds parsing. */
const content = plainText(60_000);

/** A message's seq as a client names it. */
export const seqSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** `parentSeq` edits (SPEC §16): the new message goes after it (null: a new first message), not after the head. */
export const turnSendBody = z.strictObject({
  content,
  clientMessageId: idSchema.optional(),
  sessionId: idSchema.optional(),
  parentSeq: seqSchema.nullable().optional(),
});

/** Mounted at /chats before the chats sub-app: a turn authenticates by signature alone. */
export const chatTurnRoutes = new Hono<HonoEnv>()
  .post('/:id/messages', requireSignedAuth, validate('param', idParam), validate('json', turnSendBody), async (c) => {
    const chatId = c.req.valid('param').id;
    const locate = async () => {
      const { userId } = c.get('auth');
      // The id names its agent; the executor refuses a chat that is not its owner's.
      const agentName = agentOfChatId(chatId);
      const owner = agentName ? { userId, agentName } : await chatDirectory.find(await userDb(c), userId, chatId);
      return owner && { owner, chatId };
    };
    const { parentSeq, ...body } = c.req.valid('json');
    const { stream } = await startTurn(c, locate, { ...body, branch: parentSeq === undefined ? undefined : { kind: 'edit', parentSeq } });
    if (wantsEventStream(c)) return eventStreamResponse(c, stream);
    const { toolResults: _results, ...turn } = await collectTurn(stream);
    if (turn.error && turn.message?.status === 'error') throw new ApiError('upstream_error', turn.error.message);
    return c.json(turn);
  })
  .post('/:id/stop', requireAuth, validate('param', idParam), async (c) => {
    const chatId = c.req.valid('param').id;
    const owner = await chatDirectory.require(await userDb(c), c.get('auth').userId, chatId);
    await viaExecutor(executorFor(c.env, owner).stop(chatId));
    return c.body(null, 204);
  });

/** A socket belongs to a live session, so logout or expiry of that session closes it. */
export const liveQuery = z.object({ sessionId: idSchema });

/**
 * GET /chats/:id/live — the live channel. Everything is checked here, before the upgrade
 * reaches the executor: the login, the Origin of a cookie-authenticated browser, the chat.
 */
export const chatLiveRoutes = new Hono<HonoEnv>().get('/:id/live', validate('param', idParam), validate('query', liveQuery), async (c) => {
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') throw new ApiError('bad_request', 'Expected a WebSocket upgrade');
  const auth = c.get('auth');
  const origin = c.req.header('Origin');
  if (auth.via === 'cookie' && origin && !isAllowedOrigin(origin, c.req.url, readConfig(c.env).allowedOrigins)) {
    throw new ApiError('forbidden', 'Cross-origin request refused');
  }
  const chatId = c.req.valid('param').id;
  const owner = await chatDirectory.require(await userDb(c), auth.userId, chatId);
  const intent: LiveIntent = { chatId, sessionId: c.req.valid('query').sessionId, login: { authSessionId: auth.authSessionId, expiresAt: auth.expiresAt } };
  const upgraded = await executorFor(c.env, owner).fetch('https://executor/live', {
    headers: { Upgrade: 'websocket', [LIVE_INTENT_HEADER]: JSON.stringify(intent) },
  });
  // A response from another object has immutable headers; middleware still needs to add its own.
  return new Response(upgraded.body, { status: upgraded.status, headers: new Headers(upgraded.headers), webSocket: upgraded.webSocket });
});

export const compatChatBody = z
  .strictObject({
    agent_name: z.string().max(64).optional(),
    agent_id: z.string().max(64).optional(),
    message: content,
    session_id: idSchema.nullish(),
    client_message_id: idSchema.optional(),
  })
  .refine((b) => b.agent_name ?? b.agent_id, 'agent_name: is required');

/** The older contract: session_id carries the chat id. */
export const compatChatRoutes = new Hono<HonoEnv>().use(requireAuth).post('/', validate('json', compatChatBody), async (c) => {
  const body = c.req.valid('json');
  const agentName = (body.agent_name ?? body.agent_id)!;
  if (!isAgentName(agentName)) throw new ApiError('bad_request', `agent_name: unknown agent "${agentName}"`);
  const owner = { userId: c.get('auth').userId, agentName };
  // Runs only once the message is known to be valid, so a bad request never creates a chat.
  const locate = async () => {
    if (body.session_id) {
      const known = await chatDirectory.find(await userDb(c), owner.userId, body.session_id);
      if (!known || known.agentName !== agentName) return null;
    }
    return { owner, chatId: await viaExecutor(executorFor(c.env, owner).resolveChat(body.session_id ?? null)) };
  };
  const { chatId, stream } = await startTurn(c, locate, { content: body.message, clientMessageId: body.client_message_id });
  if (wantsEventStream(c)) return eventStreamResponse(c, stream);
  const turn = await collectTurn(stream);
  const firstCall = turn.toolCalls[0];
  return c.json({
    session_id: chatId,
    response: turn.message?.content ?? '',
    tool_name: firstCall?.name ?? null,
    tool_input: firstCall ? safeJson(firstCall.arguments) : null,
    error: turn.error?.message ?? null,
  });
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
