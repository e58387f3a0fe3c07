// SQL dumps of every D1 database of the app — the directory and each shard (SPEC §17) — and
// their restore, despite the search index.
//
// `wrangler d1 export` refuses a database that holds a virtual table, and every shard holds the
// message search index (migrations/shard/0001_message_search.sql), an FTS5 one. So a shard's
// export drops the index (its view, table and triggers), exports, and creates it again from the
// migration's own SQL, which rebuilds it from chat_messages — also when the export fails. Search
// finds nothing (its requests fail) for that shard's users for the minutes that takes; D1 Time
// Travel needs none of this (docs/BACKUP.md). The directory has no index: a plain export.
//
// A backup is a directory: one `<binding>.sql` per database and a manifest.json.
//
//   node scripts/d1-backup.mjs export backups/2026-11-29 --remote
//   node scripts/d1-backup.mjs restore backups/2026-11-29 --remote     # into empty databases
//   … --local                                                          # the local D1s of wrangler dev
//   restore … --local --persist-to <dir>                               # local D1s kept elsewhere
//   … --config <wrangler config>                                       # another config's bindings
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { d1Databases } from './lib/d1-migrations.mjs';
import { ROOT } from './lib/processes.mjs';

const INDEX_SQL = join(ROOT, 'migrations', 'shard', '0001_message_search.sql');
const DROP_INDEX = [
  'DROP TRIGGER IF EXISTS message_search_insert',
  'DROP TRIGGER IF EXISTS message_search_delete',
  'DROP TRIGGER IF EXISTS message_search_update',
  'DROP TABLE IF EXISTS message_search',
  'DROP VIEW IF EXISTS message_search_source',
].join('; ');
const MANIFEST = 'manifest.json';

const [command, dirArg, ...rest] = process.argv.slice(2);
const option = (name) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : null);
// Absolute: wrangler runs in the project root, whatever directory this was started from.
const dir = dirArg ? resolve(dirArg) : null;
const config = option('--config') ? resolve(option('--config')) : null;
const remote = rest.includes('--remote');
const where = [remote ? '--remote' : '--local', ...(config ? ['--config', config] : [])];
// `d1 export --local` reads wrangler's default local state; only `d1 execute` takes another one.
const persistTo = option('--persist-to') ? ['--persist-to', resolve(option('--persist-to'))] : [];

/** A shard holds the search index (SPEC §15, §17); the directory does not. */
const hasIndex = (binding) => /^SHARD_\d+$/.test(binding);

function wrangler(args, { capture = false } = {}) {
  const result = spawnSync('npx', ['wrangler', 'd1', ...args], { cwd: ROOT, stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`wrangler d1 ${args.slice(0, 2).join(' ')} failed (exit ${result.status})`);
  return result.stdout;
}
const execute = (binding, ...args) => wrangler(['execute', binding, ...where, ...persistTo, '--yes', ...args]);

/** The app's tables in a database: none in a database that is ready for a restore. */
function appTables(binding) {
  const out = wrangler(
    [
      'execute',
      binding,
      ...where,
      ...persistTo,
      '--json',
      '--command',
      "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
    ],
    { capture: true },
  );
  return JSON.parse(out)[0].results.map((r) => r.name);
}

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
  const tail = sql.slice(start).trim();
  if (tail) statements.push(tail);
  return statements;
}

/** The index as the migration made it, rebuilt from every message the shard holds now. */
const recreateIndex = (binding) => execute(binding, '--file', INDEX_SQL);

function exportAll(databases) {
  if (persistTo.length) throw new Error('wrangler d1 export --local reads the default local state only: leave out --persist-to');
  mkdirSync(dir, { recursive: true });
  const taken = [];
  // The shards first, the directory last: every user whose rows a shard's dump holds signed up
  // before that dump, so is in the later directory dump. (The other order could keep rows of a
  // user the directory dump never saw.) The dumps are not one snapshot: see docs/BACKUP.md.
  const order = [...databases.filter((d) => hasIndex(d.binding)), ...databases.filter((d) => !hasIndex(d.binding))];
  for (const { binding, database_name } of order) {
    const file = `${binding}.sql`;
    if (hasIndex(binding)) execute(binding, '--command', DROP_INDEX);
    try {
      wrangler(['export', binding, ...where, '--skip-confirmation', '--output', join(dir, file)]);
    } finally {
      if (hasIndex(binding)) recreateIndex(binding);
    }
    taken.push({ binding, database_name, file, exportedAt: new Date().toISOString() });
    console.log(`${binding} (${database_name}) exported to ${join(dir, file)}${hasIndex(binding) ? '; its search index is back' : ''}`);
  }
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify({ where: remote ? 'remote' : 'local', databases: taken }, null, 2)}\n`);
  console.log(`backup of ${taken.length} databases in ${dir}`);
}

function restoreAll(databases) {
  const manifestFile = join(dir, MANIFEST);
  if (!existsSync(manifestFile)) throw new Error(`${manifestFile} does not exist: not a backup this script made`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const bound = new Set(databases.map((d) => d.binding));
  // Everything is checked before anything is written: a shard of the backup with nowhere to go
  // would lose its users' data, and a bound database the backup lacks would leave its users empty.
  const unbound = manifest.databases.filter((d) => !bound.has(d.binding)).map((d) => d.binding);
  if (unbound.length) throw new Error(`the backup holds ${unbound.join(', ')}, which the config does not bind: bind them first`);
  const missing = databases.filter((d) => !manifest.databases.some((m) => m.binding === d.binding)).map((d) => d.binding);
  if (missing.length) throw new Error(`the backup has no dump of ${missing.join(', ')}`);
  const dumps = new Map();
  for (const { binding, file } of manifest.databases) {
    const dump = readFileSync(join(dir, file), 'utf8');
    if (dump.includes('CREATE VIRTUAL TABLE')) throw new Error(`${file} holds a virtual table: not a dump this script made`);
    dumps.set(binding, dump);
  }
  for (const { binding } of databases) {
    const tables = appTables(binding);
    if (tables.length) throw new Error(`${binding} is not empty (${tables.slice(0, 5).join(', ')}…): restore into empty databases`);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'd1-restore-'));
  for (const { binding } of databases) {
    const ordered = join(scratch, `${binding}.sql`);
    writeFileSync(ordered, tablesFirst(dumps.get(binding)));
    execute(binding, '--file', ordered);
    // The dump records every migration as applied, the index's too, so it is made here.
    if (hasIndex(binding)) recreateIndex(binding);
    console.log(`${binding} restored${hasIndex(binding) ? '; its search index is rebuilt' : ''}`);
  }
  console.log(`restored ${databases.length} databases from ${dir}`);
}

if (!dir || !['export', 'restore'].includes(command)) {
  console.error(
    'usage: node scripts/d1-backup.mjs export|restore <backup dir> [--remote | --local] [--persist-to <dir> (restore only)] [--config <wrangler config>]',
  );
  process.exit(2);
}
try {
  const databases = d1Databases(config ?? undefined);
  if (!databases.some((d) => d.binding === 'DB')) throw new Error('the config binds no directory (DB)');
  if (command === 'export') exportAll(databases);
  else restoreAll(databases);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
