/**
 * SPEC §15: a chat's read-only links, made, listed and revoked by its owner. Mounted inside
 * the chats sub-app, which authenticates; another user's chat is a 404 like any other.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { z } from 'zod';
import { findOwnedChat } from '../../db/chats';
import { createShare, deleteShare, listShares } from '../../db/shares';
import type { Chat } from '../../db/schema';
import { notFound } from '../../shared/errors';
import { idParam, idSchema } from '../../shared/schemas';
import type { HonoEnv } from '../hono-env';
import { userDb } from '../user-db';
import { directoryDb } from '../request-timing';
import { shareDto } from '../shares/shared-view';
import { validate } from '../validation';

async function ownedChat(c: Context<HonoEnv>, chatId: string): Promise<Chat> {
  const chat = await findOwnedChat(await userDb(c), c.get('auth').userId, chatId);
  if (!chat) throw notFound('Chat');
  return chat;
}

export const chatShareRoutes = new Hono<HonoEnv>()
  .post('/:id/shares', validate('param', idParam), async (c) => {
    const chat = await ownedChat(c, c.req.valid('param').id);
    const share = await createShare(await userDb(c), directoryDb(c), chat);
    return c.json({ share: shareDto(share, c.req.url) }, 201);
  })
  .get('/:id/shares', validate('param', idParam), async (c) => {
    const chat = await ownedChat(c, c.req.valid('param').id);
    const shares = await listShares(await userDb(c), chat.id);
    return c.json({ shares: shares.map((s) => shareDto(s, c.req.url)) });
  })
  .delete('/:id/shares/:shareId', validate('param', z.object({ id: idSchema, shareId: idSchema })), async (c) => {
    const { id, shareId } = c.req.valid('param');
    const chat = await ownedChat(c, id);
    if (!(await deleteShare(await userDb(c), directoryDb(c), chat.id, shareId))) throw notFound('Share');
    return c.body(null, 204);
  });
