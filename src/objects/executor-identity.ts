/**
 * Whose executor this is, from the object's own name (`ctx.id.name`), never from a caller.
 * The name is also kept in the object's storage the first time it is seen: the local runtime
 * wakes an evicted object's alarm with a nameless id (workerd#6850), and an alarm must still
 * know whose sessions and messages it is looking after.
 */
import { parseExecutorName } from '../shared/owner';
import type { Owner } from '../shared/owner';
import type { ShardMemory } from '../db/shards';

const NAME_KEY = 'executor-name';

export function executorIdentity(ctx: DurableObjectState): Owner {
  const stored = ctx.storage.kv.get<string>(NAME_KEY);
  const name = ctx.id.name ?? stored;
  if (!name) throw new Error('executor has no name: it must be reached with getByName');
  const owner = parseExecutorName(name);
  if (!owner) throw new Error(`not an executor name: ${name}`);
  if (stored !== name) {
    if (stored) throw new Error('executor name changed'); // one object, one owner, ever
    ctx.storage.kv.put(NAME_KEY, name);
  }
  return owner;
}

const SHARD_KEY = 'shard';

/** The owner's shard (SPEC §17), kept beside the name once learned from the directory. */
export function rememberedShard(ctx: DurableObjectState): ShardMemory {
  return {
    get: () => ctx.storage.kv.get<number>(SHARD_KEY),
    put: (shard) => ctx.storage.kv.put(SHARD_KEY, shard),
  };
}
