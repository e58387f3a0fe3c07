import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { shardBindingsOf } from './shard-helpers';

// Setup files run before each test file; applyD1Migrations skips migrations already applied.
// The directory and every shard (SPEC §17), each with its own lineage.
await applyD1Migrations(env.DB, env.DIRECTORY_MIGRATIONS);
for (const shard of shardBindingsOf(env)) await applyD1Migrations(shard, env.SHARD_MIGRATIONS);
