// Direct access to the local D1 databases that `wrangler dev --persist-to <dir>` serves — the
// directory and each shard (SPEC §17), one SQLite file each under <dir>/v3/d1/. The benchmark
// uses them (never the app) to seed large chats into their owner's shard and to count writes
// with triggers, so counting costs the app nothing and assumes nothing.
import { d1Databases } from '../../scripts/lib/d1-migrations.mjs';
import { d1File, openSqlite } from '../../scripts/lib/local-d1.mjs';

/**
 * Every D1 database a wrangler config binds (SPEC §17), opened: `directory` (DB), `shards`
 * (SHARD_0 … in index order) and `all`, each `{ binding, file, db }`; `close()` closes them.
 */
export function openD1Databases(persistDir, config) {
  const all = d1Databases(config).map(({ binding, databaseId }) => {
    const file = d1File(persistDir, databaseId);
    return { binding, file, db: openSqlite(file) };
  });
  const directory = all.find((d) => d.binding === 'DB');
  if (!directory) throw new Error(`${config} binds no directory database (DB)`);
  const shards = all.filter((d) => /^SHARD_\d+$/.test(d.binding)).sort((a, b) => Number(a.binding.slice(6)) - Number(b.binding.slice(6)));
  return {
    directory,
    shards,
    all,
    close: () => all.forEach((d) => d.db.close()),
  };
}

/** The shard database (`{ binding, file, db }`) the directory placed `userId` on. */
export function shardOf(dbs, userId) {
  const row = dbs.directory.db.prepare('SELECT shard FROM users WHERE id = ?').get(userId);
  if (!row) throw new Error(`no user ${userId} in the directory`);
  const shard = dbs.shards[row.shard];
  if (!shard) throw new Error(`user ${userId} is on shard ${row.shard}, which the config does not bind`);
  return shard;
}

/** Users per shard index, from the directory: what placement did. */
export function usersPerShard(dbs) {
  const counts = dbs.shards.map(() => 0);
  for (const r of dbs.directory.db.prepare('SELECT shard, count(*) AS n FROM users GROUP BY shard').all()) counts[r.shard] = r.n;
  return counts;
}

/**
 * Bytes each table and index of `db` holds, from SQLite's dbstat (its b-tree pages), by the
 * table it belongs to: an index counts for its table, a full-text index's shadow tables for it.
 */
export function bytesByTable(db) {
  const owner = new Map(
    db
      .prepare("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")
      .all()
      .map((r) => [r.name, r.tbl_name]),
  );
  const virtual = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'")
    .all()
    .map((r) => r.name);
  const out = {};
  for (const { name, bytes } of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all()) {
    const table = virtual.find((v) => name === v || name.startsWith(`${v}_`)) ?? owner.get(name) ?? name;
    out[table] = (out[table] ?? 0) + bytes;
  }
  return out;
}

/** Bytes the app's tables and indexes hold in `db`: everything but the bench's own write log. */
export function appBytes(db) {
  return Object.entries(bytesByTable(db))
    .filter(([table]) => table !== 'bench_write_log')
    .reduce((n, [, bytes]) => n + bytes, 0);
}

/** Every table the app writes in `db`: all but SQLite's, D1's, the bench's and a full-text index's own. */
function appTables(db) {
  const all = db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT IN ('d1_migrations', 'bench_write_log')",
    )
    .all();
  // A full-text index is a virtual table with shadow tables: its rows follow the app's own writes.
  const virtual = all.filter((t) => /^CREATE VIRTUAL/i.test(t.sql ?? '')).map((t) => t.name);
  return all.map((t) => t.name).filter((name) => !virtual.some((v) => name === v || name.startsWith(`${v}_`)));
}

/**
 * AFTER INSERT/UPDATE/DELETE triggers on every app table of one database, logging (table, op,
 * role) — role is the message role for chat_messages, so a reply's own writes can be told from
 * the user message's. A row written is a row logged; a statement writing n rows logs n.
 */
export function installWriteLog(db) {
  db.exec('CREATE TABLE IF NOT EXISTS bench_write_log (tbl TEXT NOT NULL, op TEXT NOT NULL, role TEXT)');
  for (const table of appTables(db)) {
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      const row = op === 'DELETE' ? 'OLD' : 'NEW';
      const role = table === 'chat_messages' ? `${row}.role` : 'NULL';
      db.exec(
        `CREATE TRIGGER IF NOT EXISTS bench_count_${table}_${op.toLowerCase()} AFTER ${op} ON ${table} BEGIN INSERT INTO bench_write_log VALUES ('${table}', '${op}', ${role}); END`,
      );
    }
  }
}

/** Rows logged so far in one database, as a map "table op[ role]" → count, plus the total. */
function snapshotOf(db) {
  const rows = db.prepare('SELECT tbl, op, role, count(*) AS n FROM bench_write_log GROUP BY tbl, op, role').all();
  const byKey = {};
  let total = 0;
  for (const r of rows) {
    byKey[`${r.tbl} ${r.op}${r.role ? ` ${r.role}` : ''}`] = r.n;
    total += r.n;
  }
  return { total, byKey };
}

/**
 * Rows logged so far in every database of `dbs` (openD1Databases): `total` and `byKey` over all
 * of them (no table lives in two), and the same per binding in `byDatabase`.
 */
export function writeSnapshot(dbs) {
  const byDatabase = Object.fromEntries(dbs.all.map((d) => [d.binding, snapshotOf(d.db)]));
  const byKey = {};
  let total = 0;
  for (const snap of Object.values(byDatabase)) {
    total += snap.total;
    for (const [key, n] of Object.entries(snap.byKey)) byKey[key] = (byKey[key] ?? 0) + n;
  }
  return { total, byKey, byDatabase };
}

function diffOf(before, after) {
  const byKey = {};
  for (const [key, n] of Object.entries(after.byKey)) {
    const d = n - (before?.byKey[key] ?? 0);
    if (d) byKey[key] = d;
  }
  return { total: after.total - (before?.total ?? 0), byKey };
}

/** What was written between two snapshots: over all databases, and per binding in `byDatabase`. */
export function writeDiff(before, after) {
  const byDatabase = Object.fromEntries(Object.entries(after.byDatabase).map(([binding, snap]) => [binding, diffOf(before.byDatabase[binding], snap)]));
  return { ...diffOf(before, after), byDatabase };
}

/**
 * A chat with `count` finished messages, inserted as earlier turns would have left them
 * (alternating user/assistant, ~300 characters each, ascending seq and time), into the shard
 * the directory placed `userId` on. Answers that shard (`{ binding, file, db }`).
 */
export function seedChat(dbs, { chatId, userId, agentName = 'assistant', count, title = 'Seeded chat' }) {
  const shard = shardOf(dbs, userId);
  const { db } = shard;
  const now = Date.now();
  const start = now - count * 1000;
  db.exec('BEGIN');
  try {
    db.prepare('INSERT INTO chats (id, user_id, agent_name, title, title_locked, created_at, updated_at, archived_at) VALUES (?, ?, ?, ?, 1, ?, ?, NULL)').run(
      chatId,
      userId,
      agentName,
      title,
      start,
      now,
    );
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO chat_messages (id, chat_id, seq, role, content, status, created_at)
       SELECT ? || '-m' || i, ?, i, CASE i % 2 WHEN 1 THEN 'user' ELSE 'assistant' END,
              'Seeded message ' || i || ': ' || substr(replace(hex(zeroblob(150)), '00', 'lorem ipsum '), 1, 280),
              'complete', ? + i * 1000
       FROM n`,
    ).run(count, chatId, chatId, start);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
  return shard;
}
