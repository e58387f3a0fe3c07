// Straight to the files `wrangler dev --persist-to <dir>` keeps: the local D1 databases (the
// directory and every shard, SPEC §17) and each Durable Object's own SQLite database (the
// executors' outbox, checkpoints and live sessions), opened with node:sqlite. SQLite's WAL lets
// us read them while wrangler dev runs. The write log is a set of triggers in each D1
// database: counting costs the app nothing and assumes nothing.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { deserialize } from 'node:v8';
import { d1Databases } from '../../../scripts/lib/d1-migrations.mjs';
import { d1File, DatabaseSync, openSqlite } from '../../../scripts/lib/local-d1.mjs';

const EXECUTOR_DIR = ['v3', 'do', 'clarity-edge-AgentExecutor'];

function sqliteFiles(dir) {
  return readdirSync(dir).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
}

/**
 * Every local D1 database of the run (SPEC §17), by binding (the file wrangler keeps for each
 * database id, scripts/lib/local-d1.mjs): the directory (`DB`: users, logins, share ids,
 * users.shard) and the shards (`SHARD_<n>`: each user's chats, messages, sessions, tasks, …).
 * Each is checked against what it must hold — the directory a `users` table, a shard a `chats`
 * table and no `users` — so a mix-up fails here, not in the audit.
 */
export function openDatabases(persistDir, config) {
  const all = [];
  const close = () => all.forEach((d) => d.db.close());
  for (const { binding, databaseId } of d1Databases(config)) {
    const file = d1File(persistDir, databaseId);
    const db = openSqlite(file);
    all.push({ binding, file: basename(file), db, shard: null });
    const tables = new Set(
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all()
        .map((r) => r.name),
    );
    const shard = /^SHARD_(\d+)$/.exec(binding);
    const fits = binding === 'DB' ? tables.has('users') && !tables.has('chats') : shard ? tables.has('chats') && !tables.has('users') : false;
    if (!fits) {
      close();
      throw new Error(`${file} (${binding}) holds ${[...tables].join(', ')}: not the database its binding names`);
    }
    all.at(-1).shard = shard ? Number(shard[1]) : null;
  }
  if (!all.some((d) => d.binding === 'DB')) {
    close();
    throw new Error(`${config} binds no directory database (DB)`);
  }
  return {
    all,
    directory: all.find((d) => d.binding === 'DB').db,
    /** The shards in order: `shards[n]` is `SHARD_<n>`. */
    shards: all.filter((d) => d.shard !== null).sort((a, b) => a.shard - b.shard),
    close,
  };
}

/**
 * A row per write to the app's tables. For chat_messages: the message and its chat; for
 * chats: the chat and its updated_at before and after (a touch names the message it was for
 * by that time, see audit.mjs). The id orders the writes of one database; kills are recorded
 * as ids too, per database. Installed on the directory and on every shard.
 */
export function installWriteLog(db) {
  db.exec(`CREATE TABLE IF NOT EXISTS chaos_write_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, op TEXT NOT NULL,
    chat_id TEXT, msg_id TEXT, role TEXT, old_updated INTEGER, new_updated INTEGER, title_changed INTEGER)`);
  const all = db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT IN ('d1_migrations', 'chaos_write_log')`,
    )
    .all();
  // A full-text index is a virtual table with shadow tables: no triggers there, and its writes follow the app's own.
  const virtual = all.filter((t) => /^CREATE VIRTUAL/i.test(t.sql ?? '')).map((t) => t.name);
  const tables = all.map((t) => t.name).filter((name) => !virtual.some((v) => name === v || name.startsWith(`${v}_`)));
  for (const table of tables) {
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      const row = op === 'DELETE' ? 'OLD' : 'NEW';
      let columns = 'NULL, NULL, NULL, NULL, NULL, NULL';
      if (table === 'chat_messages') columns = `${row}.chat_id, ${row}.id, ${row}.role, NULL, NULL, NULL`;
      // A chats UPDATE that changes the title (the model's title after the first reply, SPEC §4.7) is no touch.
      if (table === 'chats')
        columns = `${row}.id, NULL, NULL, ${op === 'INSERT' ? 'NULL' : 'OLD.updated_at'}, ${op === 'DELETE' ? 'NULL' : 'NEW.updated_at'}, ${op === 'UPDATE' ? 'NEW.title IS NOT OLD.title' : 'NULL'}`;
      db.exec(
        `CREATE TRIGGER IF NOT EXISTS chaos_log_${table}_${op.toLowerCase()} AFTER ${op} ON ${table} BEGIN ` +
          `INSERT INTO chaos_write_log (tbl, op, chat_id, msg_id, role, old_updated, new_updated, title_changed) VALUES ('${table}', '${op}', ${columns}); END`,
      );
    }
  }
}

/**
 * The last write logged so far in each database (`binding → id`): taken while wrangler dev is
 * dead, it separates before and after a kill. Each database has its own log, so its own ids.
 */
export function lastWriteIds(databases) {
  return Object.fromEntries(databases.all.map((d) => [d.binding, d.db.prepare('SELECT coalesce(max(id), 0) AS id FROM chaos_write_log').get().id]));
}

/** One executor's own storage, as the alarm and the next wake find it. */
export function readExecutors(persistDir) {
  const dir = join(persistDir, ...EXECUTOR_DIR);
  if (!existsSync(dir)) return [];
  const alarms = readAlarms(dir);
  return sqliteFiles(dir).map((file) => {
    const db = new DatabaseSync(join(dir, file), { readOnly: true });
    db.exec('PRAGMA busy_timeout = 5000');
    try {
      const has = new Set(
        db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
          .all()
          .map((r) => r.name),
      );
      const all = (table, sql = `SELECT * FROM ${table}`) =>
        has.has(table)
          ? db
              .prepare(sql)
              .all()
              .map((r) => ({ ...r }))
          : [];
      const kv = new Map(all('_cf_KV').map((r) => [r.key, decode(r.value)]));
      const id = file.replace(/\.sqlite$/, '');
      return {
        id,
        name: kv.get('executor-name') ?? null,
        stats: kv.get('executor-stats') ?? null,
        outbox: all('outbox').map((r) => ({ id: r.id, entry: JSON.parse(r.entry) })),
        checkpoints: all('checkpoints'),
        liveSessions: all('live_sessions'),
        // The object's own record of its alarm (what getAlarm() answers) and the runtime's scheduler's: they should agree.
        objectAlarmAt: has.has('_cf_METADATA') ? nanosToMs(bigInts(db, 'SELECT value FROM _cf_METADATA WHERE key = 1')[0]?.value) : null,
        alarmAt: alarms.get(id) ?? null,
      };
    } finally {
      db.close();
    }
  });
}

/** The runtime's alarm table: when each object's alarm is due. */
function readAlarms(dir) {
  const file = join(dir, 'metadata.sqlite');
  if (!existsSync(file)) return new Map();
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = bigInts(db, 'SELECT actor_id, scheduled_time FROM _cf_ALARM');
    return new Map(rows.map((r) => [r.actor_id, nanosToMs(r.scheduled_time)]));
  } finally {
    db.close();
  }
}

/** Rows with integers as BigInt: nanosecond times do not fit a double. */
function bigInts(db, sql) {
  const statement = db.prepare(sql);
  statement.setReadBigInts(true);
  return statement.all();
}

/** The runtime keeps alarm times in nanoseconds since the epoch. */
function nanosToMs(value) {
  return value === undefined || value === null ? null : Number(BigInt(value) / 1_000_000n);
}

/** KV values are stored V8-serialised, the format node:v8 reads. */
function decode(value) {
  try {
    return deserialize(Buffer.from(value));
  } catch {
    return null;
  }
}
