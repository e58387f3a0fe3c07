/**
 * Which executor holds a chat or a session. Turns and heartbeats name only the chat or the
 * session, so the Worker must learn its agent: a D1 read the first time, then an
 * isolate-local cache. Owner and agent never change, so a cached answer is never wrong; a
 * deleted chat or session is refused by its executor instead.
 */
import type { AgentName } from '../../shared/agents';
import type { Owner } from '../../shared/owner';
import { agentOfChatId } from '../../shared/chat-id';
import type { Db } from '../../db/client';
import { notFound } from '../../shared/errors';
import { findOwnedChat } from '../../db/chats';
import { findOwnedSession } from '../../db/sessions';

const MAX_ENTRIES = 10_000;

type Lookup = (db: Db, userId: string, id: string) => Promise<{ agentName: string } | null>;

class OwnerDirectory {
  readonly #lookup: Lookup;
  readonly #what: string;
  readonly #owners = new Map<string, Owner>();

  constructor(lookup: Lookup, what: string) {
    this.#lookup = lookup;
    this.#what = what;
  }

  /** Like find, but another user's (or no) id is a 404. */
  async require(db: Db, userId: string, id: string): Promise<Owner> {
    const owner = await this.find(db, userId, id);
    if (!owner) throw notFound(this.#what);
    return owner;
  }

  /** The owner of `id` if it is `userId`'s, else null (another user's id is simply unknown). */
  async find(db: Db, userId: string, id: string): Promise<Owner | null> {
    const cached = this.#owners.get(id);
    if (cached) return cached.userId === userId ? cached : null;
    const row = await this.#lookup(db, userId, id);
    if (!row) return null;
    const owner: Owner = { userId, agentName: row.agentName as AgentName };
    if (this.#owners.size >= MAX_ENTRIES) this.#owners.delete(this.#owners.keys().next().value!);
    this.#owners.set(id, owner);
    return owner;
  }
}

export const chatDirectory = new OwnerDirectory(findOwnedChat, 'Chat');
export const sessionDirectory = new OwnerDirectory(findOwnedSession, 'Session');

/**
 * The owner of the executor that holds `chatId`, for a call that the executor itself checks:
 * ids that name their agent need no D1 read (a stranger's id reaches the caller's own executor,
 * which answers 404); older ids are looked up.
 */
export async function chatExecutorOwner(db: Db, userId: string, chatId: string): Promise<Owner> {
  const agentName = agentOfChatId(chatId);
  return agentName ? { userId, agentName } : chatDirectory.require(db, userId, chatId);
}
