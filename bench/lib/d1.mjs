// Direct access to the local D1 database that `wrangler dev --persist-to <dir>` serves: a
// SQLite file under <dir>/v3/d1/. The benchmark uses it (never the app) to seed large chats and
// to count writes with triggers, so counting costs the app nothing and assumes nothing.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// node:sqlite prints an ExperimentalWarning on Node 22; the benchmark's output is a table.
const { DatabaseSync } = await (async () => {
  const emit = process.emitWarning;
  process.emitWarning = (warning, ...rest) => (String(warning).includes('SQLite') ? undefined : emit.call(process, warning, ...rest));
  try {
    return await import('node:sqlite');
  } finally {
    process.emitWarning = emit;
  }
})();

/** Every table the app writes, so a write anywhere is seen (SPEC §2). */
export const COUNTED_TABLES = ['users', 'auth_sessions', 'chats', 'chat_sessions', 'chat_messages', 'agent_instructions', 'agent_memories', 'tasks'];

export function d1File(persistDir) {
  const dir = join(persistDir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  if (!existsSync(dir)) throw new Error(`no local D1 under ${dir}`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  if (files.length !== 1) throw new Error(`expected one D1 database in ${dir}, found ${files.join(', ') || 'none'}`);
  return join(dir, files[0]);
}

export function openD1(persistDir) {
  const db = new DatabaseSync(d1File(persistDir));
  db.exec('PRAGMA busy_timeout = 5000');
  return db;
}

/**
 * AFTER INSERT/UPDATE/DELETE triggers on every table, logging (table, op, role) — role is the
 * message role for chat_messages, so a reply's own writes can be told from the user message's.
 */
export function installWriteLog(db) {
  db.exec('CREATE TABLE IF NOT EXISTS bench_write_log (tbl TEXT NOT NULL, op TEXT NOT NULL, role TEXT)');
  for (const table of COUNTED_TABLES) {
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      const row = op === 'DELETE' ? 'OLD' : 'NEW';
      const role = table === 'chat_messages' ? `${row}.role` : 'NULL';
      db.exec(
        `CREATE TRIGGER IF NOT EXISTS bench_count_${table}_${op.toLowerCase()} AFTER ${op} ON ${table} BEGIN INSERT INTO bench_write_log VALUES ('${table}', '${op}', ${role}); END`,
      );
    }
  }
}

/** Rows logged so far, as a map "table op[ role]" → count, plus the total. */
export function writeSnapshot(db) {
  const rows = db.prepare('SELECT tbl, op, role, count(*) AS n FROM bench_write_log GROUP BY tbl, op, role').all();
  const byKey = {};
  let total = 0;
  for (const r of rows) {
    byKey[`${r.tbl} ${r.op}${r.role ? ` ${r.role}` : ''}`] = r.n;
    total += r.n;
  }
  return { total, byKey };
}

/** What was written between two snapshots. */
export function writeDiff(before, after) {
  const byKey = {};
  for (const [key, n] of Object.entries(after.byKey)) {
    const d = n - (before.byKey[key] ?? 0);
    if (d) byKey[key] = d;
  }
  return { total: after.total - before.total, byKey };
}

/**
 * A chat with `count` finished messages, inserted as earlier turns would have left them
 * (alternating user/assistant, ~300 characters each, ascending seq and time).
 */
export function seedChat(db, { chatId, userId, agentName = 'assistant', count, title = 'Seeded chat' }) {
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
}
