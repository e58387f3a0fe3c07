/**
 * A chat ready for the model: the warm executor, and the chat's history window loaded and its
 * ownership checked. Warm, nothing awaits any I/O; cold, the executor's build and the chat's
 * read (ownership and the newest part of its head's path, in one batch) run side by side,
 * with `alongside`.
 */
import type { AppConfig } from '../shared/config';
import type { ChatAccess } from './chat-access';
import type { ChatLedger } from './chat-ledger';
import type { BuiltExecutor } from './executor-build';
import type { ExecutorCache } from './executor-cache';

export interface ChatWindowDeps {
  config: AppConfig;
  cache: ExecutorCache<BuiltExecutor>;
  chats: ChatAccess;
  ledger: ChatLedger;
}

export async function readyChat(deps: ChatWindowDeps, chatId: string, alongside: Promise<unknown> | null = null): Promise<BuiltExecutor> {
  const { cache, chats, ledger } = deps;
  const ready = chats.knows(chatId) && ledger.knows(chatId) && cache.current?.windows.has(chatId);
  const [executor, path] = await Promise.all([cache.acquire(), ready ? null : chats.ownedWithPath(chatId, deps.config.historyWindow + 1), alongside]);
  if (path && (!executor.windows.has(chatId) || !ledger.knows(chatId))) ledger.adopt(executor.windows, chatId, path);
  return executor;
}
