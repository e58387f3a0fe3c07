/**
 * Who an executor belongs to. The Worker builds it from the authenticated user and the
 * object's name from it (`${userId}:${agentName}`); the object remembers it so its alarm,
 * which has no caller, knows whose rows it is looking after.
 */
import type { AgentName } from './agents';

export interface Owner {
  userId: string;
  agentName: AgentName;
}

export const executorName = (owner: Owner) => `${owner.userId}:${owner.agentName}`;

const OWNER_KEY = 'owner';

export function bindOwner(kv: SyncKvStorage, owner: Owner): Owner {
  const known = kv.get<Owner>(OWNER_KEY);
  if (!known) {
    kv.put(OWNER_KEY, owner);
    return owner;
  }
  if (known.userId !== owner.userId || known.agentName !== owner.agentName) {
    // Unreachable while names are built from the owner; refuse rather than mix users' data.
    throw new Error('executor owner mismatch');
  }
  return known;
}

export const storedOwner = (kv: SyncKvStorage): Owner | null => kv.get<Owner>(OWNER_KEY) ?? null;
