// Applies D1 migrations to every database a wrangler config binds (SPEC §17): the directory
// (DB, migrations/directory) and each shard (SHARD_<n>, migrations/shard). Each binding names
// its own migrations_dir, so this only has to find the bindings and run wrangler for each.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes.mjs';

const quietEnv = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };

/**
 * The D1 databases of a wrangler config, in file order (`DB`, then `SHARD_0` …), each with its
 * binding, database_name, database_id, migrations_dir and `databaseId`, the id its local
 * database is kept under (preview_database_id when set). A wrangler.toml is read for its
 * `[[d1_databases]]` sections; a .json config (the one `vite build` writes into dist/, what the
 * benchmark and the chaos soak serve) is parsed.
 */
export function d1Databases(config = join(ROOT, 'wrangler.toml')) {
  const text = readFileSync(config, 'utf8');
  const withLocalId = (d) => ({ ...d, databaseId: d.preview_database_id ?? d.database_id });
  if (config.endsWith('.json'))
    return (JSON.parse(text).d1_databases ?? []).map(({ binding, database_name, database_id, preview_database_id, migrations_dir }) =>
      withLocalId({ binding, database_name, database_id, preview_database_id, migrations_dir }),
    );
  const field = (section, name) => new RegExp(`^\\s*${name}\\s*=\\s*"([^"]+)"`, 'm').exec(section)?.[1] ?? null;
  return text
    .split(/^\s*\[/m)
    .filter((s) => s.startsWith('[d1_databases]]'))
    .map((s) =>
      withLocalId({
        binding: field(s, 'binding'),
        database_name: field(s, 'database_name'),
        database_id: field(s, 'database_id'),
        preview_database_id: field(s, 'preview_database_id'),
        migrations_dir: field(s, 'migrations_dir'),
      }),
    )
    .filter((d) => d.binding);
}

/** The D1 bindings of a wrangler config, in file order: `DB`, then `SHARD_0` … */
export function d1Bindings(config) {
  return d1Databases(config).map((d) => d.binding);
}

/** The shard bindings only: what a harness opens to look at a user's rows. */
export function shardBindings(config) {
  return d1Bindings(config).filter((b) => /^SHARD_\d+$/.test(b));
}

function apply(binding, args, cwd, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['wrangler', 'd1', 'migrations', 'apply', binding, ...args], { cwd, env: quietEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`wrangler d1 migrations apply ${binding} failed (${signal ?? `exit ${code}`})\n${output}`));
    });
  });
}

/**
 * `wrangler d1 migrations apply` for every D1 binding, one after another: locally the databases
 * share a persist dir whose metadata SQLite file two runtimes cannot open at once (SQLITE_BUSY,
 * seen in CI when they ran in parallel). `remote` applies to the deployed databases; otherwise
 * the local ones, under `persistTo`.
 */
export async function applyD1Migrations({ remote = false, persistTo, config, cwd = ROOT, timeoutMs = 120_000 } = {}) {
  const args = [remote ? '--remote' : '--local', ...(persistTo ? ['--persist-to', persistTo] : []), ...(config ? ['--config', config] : [])];
  const outputs = [];
  for (const binding of d1Bindings(config ?? join(cwd, 'wrangler.toml'))) outputs.push(await apply(binding, args, cwd, timeoutMs));
  return outputs.join('\n');
}
