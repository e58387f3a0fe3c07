/**
 * Switching branches (SPEC §16): `PUT /chats/:id/head {seq}` shows the newest leaf under the
 * message named — the most recent conversation that went through it. The head is written to
 * D1 before anything changes here, with the new path's first page read in the same batch; the
 * executor's window follows, and the chat's other tabs are told to reload.
 */
import type { Db } from '../db/client';
import { newestLeafUnder, pathQuery, setHeadStatement, toPathPage } from '../db/message-paths';
import { serializeMessage } from '../db/serialize';
import type { HeadPage } from '../shared/api';
import { ApiError, notFound } from '../shared/errors';
import { toWindowMessage } from './history-window';
import type { ChatAccess } from './chat-access';
import type { ChatLedger } from './chat-ledger';
import type { BuiltExecutor } from './executor-build';
import type { ExecutorCache } from './executor-cache';
import type { LiveChannel } from './live-channel';
import { FIRST_PAGE_SIZE } from './session-open';
import type { TurnClaims } from './turn-claims';

export interface ChatHeadDeps {
  db: Db;
  chats: ChatAccess;
  claims: TurnClaims;
  ledger: ChatLedger;
  cache: ExecutorCache<BuiltExecutor>;
  live: LiveChannel;
  historyWindow: number;
}

export async function switchHead(deps: ChatHeadDeps, chatId: string, seq: number, fromSession: string | undefined): Promise<HeadPage> {
  const { db, ledger } = deps;
  await deps.chats.check(chatId);
  // A reply being written moves the head when it lands: one change at a time.
  if (deps.claims.isBusy(chatId)) throw new ApiError('busy', 'A reply is still being generated in this chat');
  const { release } = deps.claims.claim(chatId);
  try {
    await ledger.flush();
    const head = await newestLeafUnder(db, chatId, seq);
    if (head === null) throw notFound('Message');
    const o = { from: head, limit: FIRST_PAGE_SIZE };
    const [, rows] = await db.batch([setHeadStatement(db, chatId, head), pathQuery(db, chatId, o)]);
    const page = toPathPage(rows, o);
    // The first page is the newest part of the new path: the window, when it is long enough.
    const windowSize = deps.historyWindow + 1;
    const path = page.messages.length >= windowSize || !page.hasMore ? page.messages.map(toWindowMessage) : null;
    ledger.moveHead(deps.cache.current?.windows ?? null, chatId, path, head);
    deps.live.broadcast(chatId, { type: 'head', seq: head }, fromSession);
    return { messages: page.messages.map(serializeMessage), hasMore: page.hasMore, headSeq: head };
  } finally {
    release();
  }
}
