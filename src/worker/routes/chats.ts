/** SPEC §5 Chats. Reads go straight to D1; writes go through the chat's executor. */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AgentName } from '../../shared/agents';
import { allMessages } from '../../db/messages';
import { findOwnedChat, listChats } from '../../db/chats';
import { exportFileName, exportJson, exportMarkdown } from '../chats/export';
import { pagePath, pagePathAround } from '../../db/message-paths';
import { serializeChat, serializeMessage } from '../../db/serialize';
import type { Chat } from '../../db/schema';
import { notFound } from '../../shared/errors';
import { executorFor, viaExecutor } from '../executor-client';
import type { HonoEnv } from '../hono-env';
import { userDb } from '../user-db';
import { requireAuth } from '../middleware/auth';
import { cursorSchema, decodeCursor, encodeCursor, limitSchema } from '../../shared/pagination';
import { idParam, plainText } from '../../shared/schemas';
import { validate } from '../validation';
import { agentName } from './params';
import { chatLiveRoutes } from './turns';
import { chatTransparencyRoutes } from './chat-transparency';
import { chatBranchRoutes } from './chat-branches';
import { chatImportRoutes } from './chat-import';
import { chatShareRoutes } from './chat-shares';
import type { AroundPage } from '../../shared/api';

export const chatListQuery = z.object({
  agent: agentName,
  cursor: cursorSchema,
  limit: limitSchema(100, 30),
  archived: z.enum(['exclude', 'only', 'include']).default('exclude'),
  q: plainText(100).optional(),
});

export const chatPatchBody = z
  .strictObject({
    title: plainText(120).pipe(z.string().trim().min(1, 'must not be empty')).optional(),
    archived: z.boolean().optional(),
  })
  .refine((b) => b.title !== undefined || b.archived !== undefined, 'nothing to update');

const seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const messagesQuery = z
  .object({ before: seq.optional(), after: seq.optional(), around: seq.optional(), limit: limitSchema(200, 50) })
  .refine((q) => [q.before, q.after, q.around].filter((v) => v !== undefined).length <= 1, 'use one of before, after and around');

/** The memories a chat wrote are kept (without a source) unless the delete asks otherwise. */
export const chatDeleteQuery = z.object({ memories: z.enum(['delete', 'keep']).default('keep') });
export const chatCreateBody = z.strictObject({ agent: agentName });
export const exportQuery = z.object({ format: z.enum(['json', 'markdown']).default('json') });

async function ownedChat(c: Context<HonoEnv>, chatId: string): Promise<Chat> {
  const chat = await findOwnedChat(await userDb(c), c.get('auth').userId, chatId);
  if (!chat) throw notFound('Chat');
  return chat;
}

function ownerOf(c: Context<HonoEnv>, chat: Chat) {
  return { userId: c.get('auth').userId, agentName: chat.agentName as AgentName };
}

export const chatRoutes = new Hono<HonoEnv>()
  .use(requireAuth)
  .get('/', validate('query', chatListQuery), async (c) => {
    const { agent, cursor, limit, archived, q } = c.req.valid('query');
    const { rows, hasMore } = await listChats(await userDb(c), {
      userId: c.get('auth').userId,
      agent,
      after: cursor ? decodeCursor(cursor) : null,
      limit,
      archived,
      query: q,
    });
    const last = rows.at(-1)?.chat;
    return c.json({
      chats: rows.map((r) => serializeChat(r.chat, r.lastMessage)),
      nextCursor: hasMore && last ? encodeCursor({ at: last.updatedAt, id: last.id }) : null,
    });
  })
  .post('/', validate('json', chatCreateBody), async (c) => {
    const owner = { userId: c.get('auth').userId, agentName: c.req.valid('json').agent };
    const chat = await viaExecutor(executorFor(c.env, owner).createChat());
    return c.json({ chat }, 201);
  })
  .get('/:id', validate('param', idParam), async (c) => {
    return c.json({ chat: serializeChat(await ownedChat(c, c.req.valid('param').id)) });
  })
  .patch('/:id', validate('param', idParam), validate('json', chatPatchBody), async (c) => {
    const chat = await ownedChat(c, c.req.valid('param').id);
    const owner = ownerOf(c, chat);
    const updated = await viaExecutor(executorFor(c.env, owner).updateChat(chat.id, c.req.valid('json')));
    return c.json({ chat: updated });
  })
  .delete('/:id', validate('param', idParam), validate('query', chatDeleteQuery), async (c) => {
    const chat = await ownedChat(c, c.req.valid('param').id);
    const owner = ownerOf(c, chat);
    await viaExecutor(executorFor(c.env, owner).deleteChat(chat.id, c.req.valid('query').memories));
    return c.body(null, 204);
  })
  .get('/:id/messages', validate('param', idParam), validate('query', messagesQuery), async (c) => {
    const chat = await ownedChat(c, c.req.valid('param').id);
    const query = c.req.valid('query');
    if (query.after !== undefined) {
      // Catching up after a reconnect must see messages the executor has not flushed yet.
      const owner = ownerOf(c, chat);
      return c.json(await viaExecutor(executorFor(c.env, owner).messagesAfter(chat.id, query.after, query.limit)));
    }
    if (query.around !== undefined) {
      // Opening a search result at its message (SPEC §15) on its path (§16); hasMore keeps its meaning: older ones exist.
      const page = await pagePathAround(await userDb(c), chat.id, query.around, query.limit);
      const { hasMoreBefore, hasMoreAfter } = page;
      return c.json({ messages: page.messages.map(serializeMessage), hasMore: hasMoreBefore, hasMoreBefore, hasMoreAfter } satisfies AroundPage);
    }
    // The head's path (SPEC §16); `before` pages on up the path of the message named.
    const page = await pagePath(await userDb(c), chat.id, { before: query.before, limit: query.limit });
    return c.json({ messages: page.messages.map(serializeMessage), hasMore: page.hasMore });
  })
  .get('/:id/export', validate('param', idParam), validate('query', exportQuery), async (c) => {
    const chat = await ownedChat(c, c.req.valid('param').id);
    const messages = await allMessages(await userDb(c), chat.id);
    const { format } = c.req.valid('query');
    // JSON: the whole tree (every branch, each message with its parent); markdown: the head's path.
    const body = format === 'json' ? exportJson(chat, messages) : exportMarkdown(chat, messages);
    const extension = format === 'json' ? 'json' : 'md';
    c.header('Content-Type', format === 'json' ? 'application/json; charset=utf-8' : 'text/markdown; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${exportFileName(chat, extension)}"`);
    return c.body(body);
  })
  .route('/', chatImportRoutes)
  .route('/', chatShareRoutes)
  .route('/', chatBranchRoutes)
  .route('/', chatTransparencyRoutes)
  .route('/', chatLiveRoutes);
