/**
 * SPEC §14 over HTTP: what the agent sees (context), where memories came from, and drafts.
 * Mounted inside the chats sub-app, which authenticates. The context and drafts live in the
 * chat's executor, which checks the chat is the caller's; memories are a D1 read.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { findOwnedChat } from '../../db/chats';
import { listChatMemories } from '../../db/memories';
import { serializeMemory } from '../../db/serialize';
import { readConfig } from '../../shared/config';
import { ApiError, notFound } from '../../shared/errors';
import { idParam, idSchema, plainText } from '../../shared/schemas';
import { chatExecutorOwner } from '../chats/owner-directory';
import { executorFor, viaExecutor } from '../executor-client';
import type { HonoEnv } from '../hono-env';
import { userDb } from '../user-db';
import { validate } from '../validation';

/** Length is checked against MAX_MESSAGE_CHARS per deployment; this cap only bounds parsing. */
export const draftBody = z.strictObject({ text: plainText(60_000), sessionId: idSchema.optional() });

export const chatTransparencyRoutes = new Hono<HonoEnv>()
  .get('/:id/context', validate('param', idParam), async (c) => {
    const chatId = c.req.valid('param').id;
    const owner = await chatExecutorOwner(await userDb(c), c.get('auth').userId, chatId);
    return c.json(await viaExecutor(executorFor(c.env, owner).context(chatId)));
  })
  .get('/:id/memories', validate('param', idParam), async (c) => {
    const db = await userDb(c);
    const { userId } = c.get('auth');
    const chatId = c.req.valid('param').id;
    if (!(await findOwnedChat(db, userId, chatId))) throw notFound('Chat');
    return c.json({ memories: (await listChatMemories(db, userId, chatId)).map(serializeMemory) });
  })
  .get('/:id/draft', validate('param', idParam), async (c) => {
    const chatId = c.req.valid('param').id;
    const owner = await chatExecutorOwner(await userDb(c), c.get('auth').userId, chatId);
    return c.json({ draft: await viaExecutor(executorFor(c.env, owner).draft(chatId)) });
  })
  .put('/:id/draft', validate('param', idParam), validate('json', draftBody), async (c) => {
    const chatId = c.req.valid('param').id;
    const { text, sessionId } = c.req.valid('json');
    const { maxMessageChars } = readConfig(c.env);
    if (text.length > maxMessageChars) throw new ApiError('bad_request', `text: must be at most ${maxMessageChars} characters`);
    const owner = await chatExecutorOwner(await userDb(c), c.get('auth').userId, chatId);
    await viaExecutor(executorFor(c.env, owner).saveDraft(chatId, text, sessionId));
    return c.body(null, 204);
  });
