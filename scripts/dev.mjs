// `npm run dev`: apply local D1 migrations, start the built-in mock model when no API key is
// configured, then run Vite (the SPA) with the Worker inside workerd via @cloudflare/vite-plugin.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { startMockModel } from '../mock-model/server.mjs';

const MOCK_PORT = Number(process.env.MOCK_MODEL_PORT ?? 8790);

/** Logins are signed with AUTH_TOKEN_SECRET: a fresh checkout gets its own in .dev.vars (git-ignored). */
function ensureTokenSecret() {
  const current = existsSync('.dev.vars') ? readFileSync('.dev.vars', 'utf8') : '';
  if (/^\s*AUTH_TOKEN_SECRET\s*=\s*\S+/m.test(current)) return;
  const line = `AUTH_TOKEN_SECRET=${randomBytes(32).toString('hex')}\n`;
  writeFileSync('.dev.vars', current && !current.endsWith('\n') ? `${current}\n${line}` : `${current}${line}`);
  console.log('Wrote a new AUTH_TOKEN_SECRET to .dev.vars (it signs logins).');
}

function hasApiKey() {
  if (process.env.OPENAI_API_KEY) return true;
  if (!existsSync('.dev.vars')) return false;
  return /^\s*OPENAI_API_KEY\s*=\s*\S+/m.test(readFileSync('.dev.vars', 'utf8'));
}

ensureTokenSecret();

// The directory and every shard (SPEC §17), each with its own migrations.
const migrate = spawnSync('node', ['scripts/d1-migrate.mjs', '--local'], { stdio: 'inherit', env: { ...process.env, CI: 'true' } });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

let mock = null;
if (hasApiKey()) {
  console.log('Using the model server configured in .dev.vars.');
} else {
  mock = await startMockModel({ port: MOCK_PORT });
  console.log(`No OPENAI_API_KEY: demo mode on the built-in mock model at ${mock.url}`);
}

const vite = spawn('npx', ['vite', 'dev', ...process.argv.slice(2)], { stdio: 'inherit' });
const stop = () => vite.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
vite.on('exit', async (code) => {
  await mock?.close();
  process.exit(code ?? 0);
});
