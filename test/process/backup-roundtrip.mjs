// `npm run test:backup`: scripts/d1-backup.mjs end to end on local D1s (docs/BACKUP.md). Users
// sign up (the directory places them on both shards) and send a message each through `wrangler
// dev`; the script backs up every database; a restore goes into a fresh persist dir, and there
// each user still logs in, sees the chat and finds the message by search (the FTS5 index was
// rebuilt in every shard); a restore into databases that are not empty is refused.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import { startMockModel } from '../../mock-model/server.mjs';
import { applyD1Migrations, freePort, makeTempDir, ROOT, runStep, shardBindings, startWrangler, waitForHealth } from '../../e2e/harness.mjs';

const USERS = 4;
const PASSWORD = 'backup roundtrip password';
const log = (message) => process.stdout.write(`[backup] ${message}\n`);

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function call(baseUrl, method, path, { token, body, sse } = {}) {
  const headers = { Origin: baseUrl };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (sse) headers.Accept = 'text/event-stream';
  const response = await fetch(`${baseUrl}/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (sse) return { status: response.status, text };
  assert(response.ok, `${method} ${path} → ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** `wrangler dev` on a persist dir, until `use` is done. */
async function withApp(persistTo, mockUrl, use) {
  const port = await freePort();
  const app = startWrangler({ port, persistTo, vars: { OPENAI_BASE_URL: mockUrl, SIGNUPS_PER_HOUR: '1000' } });
  try {
    await waitForHealth(app.baseUrl, { timeoutMs: 90_000, isAlive: () => app.child.exitCode === null && app.child.signalCode === null });
    return await use(app.baseUrl);
  } finally {
    await app.stop();
  }
}

const backup = (...args) => runStep('node', [join(ROOT, 'scripts', 'd1-backup.mjs'), ...args], { timeoutMs: 300_000 });
const rows = (persistTo, binding, sql) =>
  JSON.parse(runStep('npx', ['wrangler', 'd1', 'execute', binding, '--local', '--persist-to', persistTo, '--json', '--command', sql], { timeoutMs: 60_000 }))[0]
    .results;

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'client', 'index.html'))) runStep('npx', ['vite', 'build'], { timeoutMs: 240_000 });
  const temp = makeTempDir();
  const mock = await startMockModel({ port: 0, tokenDelayMs: 1 });
  try {
    // `wrangler d1 export --local` reads the local state next to its config (<config dir>/.wrangler/state):
    // a copy of the project's D1 config in a temp dir makes that state this run's own.
    const project = join(temp.dir, 'project');
    cpSync(join(ROOT, 'migrations'), join(project, 'migrations'), { recursive: true });
    writeFileSync(join(project, 'wrangler.toml'), readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'));
    const source = join(project, '.wrangler', 'state');
    const restored = join(temp.dir, 'restored');
    const shards = shardBindings();
    await applyD1Migrations({ persistTo: source });

    const users = [];
    await withApp(source, mock.url, async (baseUrl) => {
      for (let i = 0; i < USERS; i++) {
        const word = `zebrafish${i}x${crypto.randomUUID().slice(0, 6)}`;
        const email = `backup-${i}-${crypto.randomUUID()}@example.com`;
        const { token, user } = await call(baseUrl, 'POST', '/auth/signup', { body: { email, password: PASSWORD } });
        const { chat } = await call(baseUrl, 'POST', '/sessions', { token, body: { agent: 'assistant', clientInstanceId: 'tab' } });
        const turn = await call(baseUrl, 'POST', `/chats/${chat.id}/messages`, { token, sse: true, body: { content: `remember the ${word} please` } });
        const events = [];
        createParser({ onEvent: (e) => events.push(e.event) }).feed(turn.text);
        assert(turn.status === 200 && events.at(-1) === 'done' && !events.includes('error'), `turn → ${turn.status} ${events}`);
        const found = await call(baseUrl, 'GET', `/search?q=${word}`, { token });
        assert(
          found.results.length > 0 && found.results.every((r) => r.chatId === chat.id),
          `search finds ${word} before the backup: ${JSON.stringify(found)}`,
        );
        users.push({ email, userId: user.id, chatId: chat.id, word, found: found.results.map((r) => r.messageId).sort() });
      }
    });
    const placed = rows(source, 'DB', 'SELECT id, shard FROM users');
    const onShard = new Set(placed.map((u) => u.shard));
    assert(onShard.size === shards.length, `the users are on every shard: ${JSON.stringify(placed)}`);
    log(
      `${USERS} users on ${[...onShard]
        .sort()
        .map((n) => `SHARD_${n}`)
        .join(', ')}, a message each, found by search`,
    );

    const dir = join(temp.dir, 'backup');
    backup('export', dir, '--local', '--config', join(project, 'wrangler.toml'));
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    assert(manifest.databases.map((d) => d.binding).join() === [...shards, 'DB'].join(), `the backup holds every database: ${JSON.stringify(manifest)}`);
    for (const u of users) {
      const holder = manifest.databases.filter((d) => readFileSync(join(dir, d.file), 'utf8').includes(u.word)).map((d) => d.binding);
      const shard = placed.find((p) => p.id === u.userId).shard;
      assert(holder.join() === `SHARD_${shard}`, `${u.word} is in the dump of SHARD_${shard} only: ${holder}`);
    }
    // The export put the index back in the source.
    for (const binding of shards) rows(source, binding, "INSERT INTO message_search(message_search, rank) VALUES('integrity-check', 1)");
    log(`exported ${manifest.databases.map((d) => d.binding).join(', ')}; the source's indexes pass integrity-check`);

    backup('restore', dir, '--local', '--persist-to', restored);
    for (const binding of shards) rows(restored, binding, "INSERT INTO message_search(message_search, rank) VALUES('integrity-check', 1)");
    await withApp(restored, mock.url, async (baseUrl) => {
      for (const u of users) {
        const { token } = await call(baseUrl, 'POST', '/auth/login', { body: { email: u.email, password: PASSWORD } });
        const { messages } = await call(baseUrl, 'GET', `/chats/${u.chatId}/messages`, { token });
        assert(messages.length === 2 && messages[0].content.includes(u.word), `the chat is restored: ${messages.map((m) => m.role)}`);
        const found = await call(baseUrl, 'GET', `/search?q=${u.word}`, { token });
        const after = found.results.map((r) => r.messageId).sort();
        assert(after.join() === u.found.join(), `search finds ${u.word} after the restore as before (${u.found}): ${JSON.stringify(found)}`);
      }
    });
    log(`restored into a fresh dir: ${USERS} users log in, see their chat, and search finds each message`);

    let refused = null;
    try {
      backup('restore', dir, '--local', '--persist-to', restored);
    } catch (error) {
      refused = error.message;
    }
    assert(refused?.includes('is not empty'), `a restore into databases that hold data is refused: ${refused}`);
    log('a second restore into the same (not empty) databases is refused');
  } finally {
    await mock.close();
    temp.remove();
  }
}

try {
  await main();
  process.stdout.write('1 passed, 0 failed\n');
} catch (error) {
  log(error?.stack ?? String(error));
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(1);
}
