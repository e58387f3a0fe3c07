/**
 * Finds which executor holds a session. Heartbeats name only the session, so the Worker must
 * learn its (user, agent) — a D1 read the first time, then an isolate-local cache: a session's
 * owner and agent never change, so a cached answer never goes stale.
 */
import type { AgentName } from '../../objects/agents';
import type { Owner } from '../../objects/owner';
import type { Db } from '../db/client';
import { findOwnedSession } from './chat-queries';

const MAX_ENTRIES = 10_000;
const owners = new Map<string, Owner>();

export async function sessionOwner(db: Db, userId: string, sessionId: string): Promise<Owner | null> {
  const cached = owners.get(sessionId);
  if (cached) return cached.userId === userId ? cached : null;
  const row = await findOwnedSession(db, userId, sessionId);
  if (!row) return null;
  const owner: Owner = { userId, agentName: row.agentName as AgentName };
  if (owners.size >= MAX_ENTRIES) owners.delete(owners.keys().next().value!);
  owners.set(sessionId, owner);
  return owner;
}

export function forgetSession(sessionId: string): void {
  owners.delete(sessionId);
}
