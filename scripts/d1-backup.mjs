// A SQL dump of the app's D1 database, and its restore, despite the search index.
//
// `wrangler d1 export` refuses a database that holds a virtual table, and the message search
// index (migrations/0003_message_search.sql) is an FTS5 one. So the export drops the index
// (its view, table and triggers), exports, and creates it again from the migration's own SQL,
// which rebuilds it from chat_messages — also when the export fails. Search finds nothing (its
// requests fail) for the minutes that takes; D1 Time Travel needs none of this (docs/BACKUP.md).
//
//   node scripts/d1-backup.mjs export backup.sql --remote
//   node scripts/d1-backup.mjs restore backup.sql --remote      # into an empty database
//   … --local                                                   # the same on the local D1 of wrangler dev
//   restore … --local --persist-to <dir>                         # a local D1 kept elsewhere
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/processes.mjs';

const INDEX_SQL = join(ROOT, 'migrations', '0003_message_search.sql');
const DROP_INDEX = [
  'DROP TRIGGER IF EXISTS message_search_insert',
  'DROP TRIGGER IF EXISTS message_search_delete',
  'DROP TRIGGER IF EXISTS message_search_update',
  'DROP TABLE IF EXISTS message_search',
  'DROP VIEW IF EXISTS message_search_source',
].join('; ');

const [command, file, ...rest] = process.argv.slice(2);
const option = (name) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : null);
const where = [rest.includes('--remote') ? '--remote' : '--local', ...(option('--config') ? ['--config', option('--config')] : [])];
// `d1 export --local` reads wrangler's default local state; only `d1 execute` takes another one.
const persistTo = option('--persist-to') ? ['--persist-to', option('--persist-to')] : [];

function wrangler(args) {
  const result = spawnSync('npx', ['wrangler', 'd1', ...args], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`wrangler d1 ${args[0]} failed (exit ${result.status})`);
}
const execute = (...args) => wrangler(['execute', 'DB', ...where, ...persistTo, '--yes', ...args]);

/**
 * The dump's statements reordered: every table, then every row, then indexes and triggers.
 * D1 dumps tables in name order, so chat_messages' rows come before the chats table they
 * refer to exists, which D1 refuses ("no such table: main.chats") even with foreign keys
 * deferred; and triggers made before the rows would rewrite them as they go in.
 */
function tablesFirst(dump) {
  const rank = (statement) => (/^PRAGMA/i.test(statement) ? 0 : /^CREATE TABLE/i.test(statement) ? 1 : /^INSERT/i.test(statement) ? 2 : 3);
  const statements = splitStatements(dump);
  return [0, 1, 2, 3].flatMap((r) => statements.filter((s) => rank(s) === r)).join('\n');
}

/** Splits SQL at semicolons outside strings, identifiers and comments (a trigger's body ends at END;). */
function splitStatements(sql) {
  const statements = [];
  let start = 0;
  let quote = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
    } else if (ch === '-' && sql[i + 1] === '-') {
      i = sql.indexOf('\n', i) === -1 ? sql.length : sql.indexOf('\n', i);
    } else if (ch === ';') {
      const statement = sql.slice(start, i + 1).trim();
      if (/^CREATE\s+TRIGGER/i.test(statement) && !/\bEND\s*;$/i.test(statement)) continue;
      if (statement !== ';') statements.push(statement);
      start = i + 1;
    }
  }
  const rest = sql.slice(start).trim();
  if (rest) statements.push(rest);
  return statements;
}

/** The index as the migration made it, rebuilt from every message there is now. */
const recreateIndex = () => execute('--file', INDEX_SQL);

if (!file || !['export', 'restore'].includes(command)) {
  console.error(
    'usage: node scripts/d1-backup.mjs export|restore <file.sql> [--remote | --local] [--persist-to <dir> (restore only)] [--config <wrangler config>]',
  );
  process.exit(2);
}
try {
  if (command === 'export') {
    if (persistTo.length) throw new Error('wrangler d1 export --local reads the default local state only: leave out --persist-to');
    execute('--command', DROP_INDEX);
    try {
      wrangler(['export', 'DB', ...where, '--skip-confirmation', '--output', file]);
    } finally {
      recreateIndex();
    }
    console.log(`exported to ${file}; the search index is back`);
  } else {
    if (!existsSync(file)) throw new Error(`${file} does not exist`);
    const dump = readFileSync(file, 'utf8');
    if (dump.includes('CREATE VIRTUAL TABLE')) throw new Error(`${file} holds a virtual table: not a dump this script made`);
    const ordered = join(mkdtempSync(join(tmpdir(), 'd1-restore-')), 'restore.sql');
    writeFileSync(ordered, tablesFirst(dump));
    execute('--file', ordered);
    // The dump records every migration as applied, the index's too, so it is made here.
    recreateIndex();
    console.log(`restored ${file}; the search index is rebuilt`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
