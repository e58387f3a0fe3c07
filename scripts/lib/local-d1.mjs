// The SQLite files `wrangler dev --persist-to <dir>` keeps for local D1 databases (SPEC §17:
// the directory and each shard), for the harnesses that read or seed them directly — the
// benchmark and the chaos soak; never the app.
import { createHash, createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// node:sqlite prints an ExperimentalWarning on Node 22; the harnesses' output is a report.
export const { DatabaseSync } = await (async () => {
  const emit = process.emitWarning;
  process.emitWarning = (warning, ...rest) => (String(warning).includes('SQLite') ? undefined : emit.call(process, warning, ...rest));
  try {
    return await import('node:sqlite');
  } finally {
    process.emitWarning = emit;
  }
})();

/** The local file of one D1 database: wrangler keeps it under the Durable Object id of its database id. */
export function d1File(persistDir, databaseId) {
  const dir = join(persistDir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const file = join(dir, `${localObjectId('miniflare-D1DatabaseObject', databaseId)}.sqlite`);
  if (!existsSync(file)) throw new Error(`no local D1 database ${databaseId} under ${dir} (migrations not applied?)`);
  return file;
}

/**
 * workerd's `idFromName` for a local Durable Object namespace: an HMAC of the name under the
 * SHA-256 of the namespace's unique key, then an HMAC of that (its check half). Miniflare names
 * each local D1 file after the id of `idFromName(database_id)` in "miniflare-D1DatabaseObject".
 */
function localObjectId(uniqueKey, name) {
  const key = createHash('sha256').update(uniqueKey).digest();
  const base = createHmac('sha256', key).update(name).digest().subarray(0, 16);
  const check = createHmac('sha256', key).update(base).digest().subarray(0, 16);
  return Buffer.concat([base, check]).toString('hex');
}

/** Opens a SQLite file that wrangler dev may be writing meanwhile (WAL): waits out its locks. */
export function openSqlite(file) {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA busy_timeout = 5000');
  return db;
}
