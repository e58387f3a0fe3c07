/**
 * SPEC §15: a shared chat, readable by anyone with the link and no login. Unknown and revoked
 * links are the same 404. Never indexed, never cached (a revoke takes effect at once).
 */
import { Hono } from 'hono';
import { shareOwnerShard, sharedChat } from '../../db/shares';
import { shardDb } from '../../db/shards';
import { directoryDb } from '../request-timing';
import { notFound } from '../../shared/errors';
import { idParam } from '../../shared/schemas';
import type { HonoEnv } from '../hono-env';
import { sharedChatView } from '../shares/shared-view';
import { validate } from '../validation';

export const shareRoutes = new Hono<HonoEnv>()
  .use(async (c, next) => {
    await next();
    // Set after the handler so error answers (the 404 of a revoked link) carry them too.
    c.header('X-Robots-Tag', 'noindex, nofollow');
    c.header('Cache-Control', 'no-store');
  })
  .get('/:id', validate('param', idParam), async (c) => {
    const shareId = c.req.valid('param').id;
    // The directory says whose shard holds the link (SPEC §17); the shard holds what it shows.
    const shard = await shareOwnerShard(directoryDb(c), shareId);
    const found = shard === null ? null : await sharedChat(shardDb(c.env, shard, c.get('timing')), shareId);
    if (!found) throw notFound('Shared chat');
    return c.json(sharedChatView(found.share, found.agentName, found.messages));
  });
