/**
 * Deleting a chat (SPEC §5, §14): its generation is stopped and the chat held while its rows
 * go (a send in between gets 409, never an orphan message), then every trace of it leaves
 * the executor — window, seqs, outbox, sessions, sockets, draft. The memories it wrote are
 * deleted with it, or kept without a source.
 */
import { deleteChatRows } from '../db/chats';
import type { Db } from '../db/client';
import { forgetShareLinks, shareIdsOf } from '../db/shares';
import { logError } from '../shared/safe-log';
import type { ChatAccess } from './chat-access';
import type { ChatLedger } from './chat-ledger';
import type { Drafts } from './drafts';
import type { BuiltExecutor } from './executor-build';
import type { ExecutorCache } from './executor-cache';
import type { LiveChannel } from './live-channel';
import type { SessionRegistry } from './session-registry';
import type { TurnClaims } from './turn-claims';

export interface ChatDeletionDeps {
  db: Db;
  /** Where the chat's share links are listed (SPEC §17). */
  directory: Db;
  chats: ChatAccess;
  claims: TurnClaims;
  cache: ExecutorCache<BuiltExecutor>;
  ledger: ChatLedger;
  registry: SessionRegistry;
  live: LiveChannel;
  drafts: Drafts;
}

export async function deleteChat(deps: ChatDeletionDeps, chatId: string, memories: 'delete' | 'keep'): Promise<void> {
  await deps.chats.owned(chatId);
  await deps.claims.abortAll(chatId);
  const { release } = deps.claims.claim(chatId);
  try {
    const shares = await shareIdsOf(deps.db, chatId);
    await deleteChatRows(deps.db, chatId, memories);
    // After the rows: a link whose share is gone reads as unknown, so failing here loses nothing.
    await forgetShareLinks(deps.directory, shares).catch((error: unknown) => logError('share links outlived their chat', error));
    if (memories === 'delete') deps.cache.invalidatePrompt();
    deps.drafts.clear(chatId);
    deps.chats.forget(chatId);
    deps.ledger.forget(chatId);
    deps.registry.removeChat(chatId);
    deps.live.closeChat(chatId, 'chat deleted');
    deps.cache.current?.windows.drop(chatId);
  } finally {
    release();
  }
}
