/**
 * The signed-in user's database for this request (SPEC §17): their shard, opened once per
 * request as a D1 session that starts from the client's `X-D1-Bookmark` (or the primary when
 * it sent none), so the user reads their own writes even from a replica. The response carries
 * the session's bookmark back (`bookmarkHeader`).
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Db } from '../db/client';
import { findUserShard, sessionDb, shardSession } from '../db/shards';
import { D1_BOOKMARK_HEADER } from '../shared/api';
import { ApiError } from '../shared/errors';
import type { HonoEnv } from './hono-env';
import { directoryDb } from './request-timing';

export interface UserDatabase {
  db: Db;
  session: D1DatabaseSession;
}

/** Bookmarks are opaque D1 strings; anything else is ignored rather than handed to D1. */
const BOOKMARK = /^[\w.:-]{1,256}$/;

export function userDb(c: Context<HonoEnv>): Promise<Db> {
  let opened = c.get('userDatabase');
  if (!opened) {
    opened = openUserDatabase(c);
    c.set('userDatabase', opened);
  }
  return opened.then((u) => u.db);
}

async function openUserDatabase(c: Context<HonoEnv>): Promise<UserDatabase> {
  const auth = c.get('auth');
  const shard = auth.shard ?? (await findUserShard(directoryDb(c), auth.userId));
  if (shard === null) throw new ApiError('unauthorized', 'Sign in to continue');
  const sent = c.req.header(D1_BOOKMARK_HEADER);
  const session = shardSession(c.env, shard, sent && BOOKMARK.test(sent) ? sent : null);
  return { db: sessionDb(session, c.get('timing')), session };
}

/** After the handler: the bookmark of everything this request read or wrote in the user's database. */
export const bookmarkHeader = createMiddleware<HonoEnv>(async (c, next) => {
  await next();
  const opened = c.get('userDatabase');
  if (!opened) return;
  const bookmark = await opened.then((u) => u.session.getBookmark()).catch(() => null);
  if (bookmark) c.res.headers.set(D1_BOOKMARK_HEADER, bookmark);
});
