/**
 * The D1 schema (SPEC §2, §17), in two databases: the directory (directory-schema.ts) and the
 * shards (shard-schema.ts). camelCase keys over snake_case columns.
 */
export * from './directory-schema';
export * from './shard-schema';
export type { EndReason, TaskPriority, TaskStatus } from '../shared/api';
