// `node bench/search-bench.mjs`: full-text search (GET /api/search, SPEC §15) over 100,000
// messages of one user, against the first history page of one of that user's chats, on the
// same wrangler dev, interleaved so machine noise hits both. Then the same again once 100,000
// messages of other users share the index (one index per shard, SPEC §17: the others are users
// placed on the searcher's shard; the join on chats.user_id keeps results the caller's).
// Loopback only. Prints a table and writes bench/results/search.json.
// Kept apart from bench/run.mjs, whose run is already long and tuned; see docs/BENCHMARKS.md.
//
//   node bench/search-bench.mjs                      # builds (vite build), seeds, measures
//   BENCH_SKIP_BUILD=1 node bench/search-bench.mjs   # reuse dist/
//   SEARCH_MESSAGES=20000 SEARCH_OTHERS=0 SEARCH_SAMPLES=20 node bench/search-bench.mjs   # smoke run
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, timedFetch } from './lib/clients.mjs';
import { applyD1Migrations } from '../scripts/lib/d1-migrations.mjs';
import { openD1Databases, shardOf } from './lib/d1.mjs';
import { ROOT, createTeardown, freePort, log, runStep, startWrangler, waitUntilUp } from './lib/proc.mjs';
import { benchSeed, createRandom, shuffled } from './lib/random.mjs';
import { summary } from './lib/stats.mjs';

const int = (name, fallback) => (Number.isInteger(Number(process.env[name])) && process.env[name] !== '' ? Number(process.env[name]) : fallback);
const C = {
  messages: int('SEARCH_MESSAGES', 100_000),
  others: int('SEARCH_OTHERS', 100_000),
  otherUsers: 10,
  messagesPerChat: 500,
  samples: int('SEARCH_SAMPLES', 60),
  warmup: 5,
  seed: benchSeed(),
};
const SUITE_TIMEOUT_MS = 600_000;
const RESULTS = join(ROOT, 'bench', 'results');

// What a user types: a rare word, a common one, two words, a phrase, a word half typed, and
// the same common word in one agent's chats only.
const QUERIES = {
  rare: 'azulejo',
  common: 'meeting',
  twoWords: 'meeting budget',
  phrase: '"project budget"',
  prefix3: 'mee',
  prefix2: 'me',
  oneAgent: 'meeting',
};

const started = Date.now();
const progress = (message) => log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`);
const teardown = createTeardown({ log, deadlineMs: SUITE_TIMEOUT_MS, deadlineMessage: `FAILED: the search benchmark exceeded ${SUITE_TIMEOUT_MS / 1000} s` });

/** A vocabulary of made-up words with a Zipf-like spread, plus planted words at known rates. */
function textGenerator(random) {
  const syllables = ['ka', 'lo', 'mi', 'ren', 'tus', 'va', 'dor', 'pe', 'sil', 'gan', 'ro', 'ne', 'bri', 'for', 'ta', 'lum'];
  const vocabulary = Array.from({ length: 5000 }, (_, i) => {
    let word = '';
    for (let n = i + 1; n > 0; n = Math.floor(n / syllables.length)) word += syllables[n % syllables.length];
    return word;
  });
  return () => {
    const words = [];
    const length = 20 + Math.floor(random() * 40);
    for (let i = 0; i < length; i++) words.push(vocabulary[Math.floor(vocabulary.length * random() ** 2.5)]);
    const at = () => Math.floor(random() * words.length);
    if (random() < 0.05) words.splice(at(), 0, 'meeting');
    if (random() < 0.03) words.splice(at(), 0, 'budget');
    if (random() < 0.01) words.splice(at(), 0, 'project budget');
    if (random() < 0.001) words.splice(at(), 0, 'azulejo');
    return words.join(' ');
  };
}

/** `count` messages for the user, in chats of C.messagesPerChat, straight into their shard's local D1 (its triggers index them). */
function seedUser(dbs, userId, count, nextText, agents = ['assistant', 'notes']) {
  const { db } = shardOf(dbs, userId);
  const chatIds = [];
  const insertChat = db.prepare(
    'INSERT INTO chats (id, user_id, agent_name, title, title_locked, created_at, updated_at, archived_at) VALUES (?, ?, ?, ?, 1, ?, ?, NULL)',
  );
  const insertMessage = db.prepare("INSERT INTO chat_messages (id, chat_id, seq, role, content, status, created_at) VALUES (?, ?, ?, ?, ?, 'complete', ?)");
  const now = Date.now();
  db.exec('BEGIN');
  try {
    for (let done = 0, c = 0; done < count; c++) {
      const agent = agents[c % agents.length];
      const chatId = `${agent}_${randomUUID()}`;
      chatIds.push(chatId);
      const n = Math.min(C.messagesPerChat, count - done);
      insertChat.run(chatId, userId, agent, `Seeded chat ${c}`, now - count * 1000, now - c);
      for (let seq = 1; seq <= n; seq++)
        insertMessage.run(`${chatId}-m${seq}`, chatId, seq, seq % 2 ? 'user' : 'assistant', nextText(), now - (count - done - seq) * 1000);
      done += n;
      // A commit every 10 chats: one transaction of 100,000 indexed rows is many times slower.
      if (c % 10 === 9) {
        db.exec('COMMIT');
        db.exec('BEGIN');
      }
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
  return chatIds;
}

/** Every search and one history page per round, in a seeded random order, after a warm-up. */
async function measure(baseUrl, user, historyChat, random) {
  const targets = {
    ...Object.fromEntries(
      Object.entries(QUERIES).map(([kind, q]) => [
        kind,
        `${baseUrl}/api/search?q=${encodeURIComponent(q)}&limit=20${kind === 'oneAgent' ? '&agent=notes' : ''}`,
      ]),
    ),
    historyPage: `${baseUrl}/api/chats/${historyChat}/messages?limit=50`,
  };
  const samples = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  for (let round = 0; round < C.warmup + C.samples; round++) {
    for (const kind of shuffled(Object.keys(targets), random)) {
      const ms = await timedFetch(targets[kind], { token: user.token });
      if (round >= C.warmup) samples[kind].push(ms);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summary(v)]));
}

/** How many of the user's messages each query matches (what the ranking has to sort). */
function matchCounts(dbs, userId) {
  const count = shardOf(dbs, userId).db.prepare(
    `SELECT count(*) AS n FROM message_search JOIN chat_messages m ON m.rowid = message_search.rowid JOIN chats c ON c.id = m.chat_id
     WHERE message_search MATCH ? AND c.user_id = ? AND c.agent_name LIKE ?`,
  );
  const fts = {
    rare: '"azulejo"*',
    common: '"meeting"*',
    twoWords: '"meeting"* "budget"*',
    phrase: '"project budget"',
    prefix3: '"mee"*',
    prefix2: '"me"*',
    oneAgent: '"meeting"*',
  };
  return Object.fromEntries(Object.entries(fts).map(([k, q]) => [k, count.get(q, userId, k === 'oneAgent' ? 'notes' : '%').n]));
}

let server = null;
const results = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, loadavgStart: loadavg().map((v) => v.toFixed(2)) },
  config: C,
  queries: QUERIES,
  phases: [],
};
let exitCode = 0;
try {
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    progress('building (vite build)…');
    runStep('npx', ['vite', 'build'], { timeoutMs: 180_000 });
  }
  const work = mkdtempSync(join(tmpdir(), 'clarity-search-bench-'));
  teardown.add(() => rmSync(work, { recursive: true, force: true }));
  cpSync(join(ROOT, 'dist'), join(work, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'migrations'), join(work, 'migrations'), { recursive: true });
  const appConfig = join(work, 'dist', 'clarity_edge', 'wrangler.json');
  const persist = join(work, 'state');
  progress('applying D1 migrations to a throwaway state dir…');
  await applyD1Migrations({ persistTo: persist, config: appConfig });

  // The app runs only while nothing else touches its D1 file: seeding goes in between runs
  // (workerd and node:sqlite writing one SQLite file at once corrupts what workerd reads).
  // Logins are signed by the harness's own secret, so tokens outlive a restart.
  const port = await freePort();
  const startApp = async () => {
    const app = startWrangler({ name: 'app (wrangler dev)', config: appConfig, port, persistTo: persist, vars: { SIGNUPS_PER_HOUR: '1000' } });
    teardown.add(() => app.stop());
    server = app;
    await waitUntilUp(app, '/api/health', { timeoutMs: 90_000 });
    return app;
  };
  const withD1 = (fn) => {
    const dbs = openD1Databases(persist, appConfig);
    try {
      return fn(dbs);
    } finally {
      dbs.close();
    }
  };

  let app = await startApp();
  const api = new Api(app.baseUrl);
  const signup = async (label) => {
    const { data } = await api.json('POST', '/api/auth/signup', {
      body: { email: `${label}-${randomUUID().slice(0, 8)}@bench.test`, password: 'correct horse battery staple' },
    });
    return { token: data.token, userId: data.user.id };
  };
  const user = await signup('searcher');
  // Sign-ups go to the shard with the fewest users: with N shards, one in N lands beside the searcher.
  const signedUp = [];
  const shardCount = withD1((dbs) => dbs.shards.length);
  for (let i = 0; i < (C.others > 0 ? C.otherUsers * shardCount : 0); i++) signedUp.push(await signup(`other${i}`));
  await app.stop();
  const others = withD1((dbs) => {
    const shard = shardOf(dbs, user.userId).binding;
    return signedUp.filter((other) => shardOf(dbs, other.userId).binding === shard).slice(0, C.otherUsers);
  });
  results.searcherShard = withD1((dbs) => shardOf(dbs, user.userId).binding);
  if (C.others > 0 && others.length < C.otherUsers) throw new Error(`only ${others.length} of ${signedUp.length} other users share the searcher's shard`);

  const random = createRandom(C.seed);
  const nextText = textGenerator(random);
  progress(`seeding ${C.messages.toLocaleString('en')} messages of one user (indexed by the migration's triggers)…`);
  let t0 = performance.now();
  const chats = withD1((dbs) => seedUser(dbs, user.userId, C.messages, nextText));
  results.seedMs = Math.round(performance.now() - t0);
  const historyChat = chats[Math.floor(chats.length / 2)];
  let matches = withD1((dbs) => matchCounts(dbs, user.userId));
  app = await startApp();
  progress(`measuring: ${C.samples} rounds of ${Object.keys(QUERIES).length} searches and a first history page…`);
  results.phases.push({
    name: `one user, ${C.messages.toLocaleString('en')} messages`,
    matches,
    latency: await measure(app.baseUrl, user, historyChat, random),
  });

  if (others.length > 0) {
    await app.stop();
    progress(`seeding ${C.others.toLocaleString('en')} messages of ${others.length} other users…`);
    t0 = performance.now();
    withD1((dbs) => others.forEach((other) => seedUser(dbs, other.userId, Math.ceil(C.others / others.length), nextText)));
    results.othersSeedMs = Math.round(performance.now() - t0);
    matches = withD1((dbs) => matchCounts(dbs, user.userId));
    app = await startApp();
    progress('measuring again with the other users in the index…');
    results.phases.push({
      name: `same, + ${C.others.toLocaleString('en')} messages of ${others.length} other users on its shard`,
      matches,
      latency: await measure(app.baseUrl, user, historyChat, random),
    });
  }
  results.machine.loadavgEnd = loadavg().map((v) => v.toFixed(2));

  const rows = [['phase', 'request', 'matches', 'p50 ms', 'p95 ms', 'p50 / history p50']];
  for (const phase of results.phases) {
    const history = phase.latency.historyPage.p50;
    for (const [kind, s] of Object.entries(phase.latency)) {
      const ratio = kind === 'historyPage' ? '1.00' : (s.p50 / history).toFixed(2);
      rows.push([
        phase.name,
        kind === 'historyPage' ? 'first history page (50)' : `search ${JSON.stringify(QUERIES[kind])}${kind === 'oneAgent' ? ' agent=notes' : ''}`,
        String(phase.matches[kind] ?? '—'),
        String(s.p50),
        String(s.p95),
        ratio,
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(`\n${rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ')).join('\n')}\n\n`);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'search.json'), `${JSON.stringify(results, null, 2)}\n`);
  progress(`wrote bench/results/search.json (seed ${C.seed}, load ${results.machine.loadavgStart.join(' ')} → ${results.machine.loadavgEnd.join(' ')})`);
} catch (error) {
  exitCode = 1;
  log(`FAILED: ${error instanceof Error ? error.stack : String(error)}`);
  if (server) log(`wrangler dev said (last lines):\n${server.output().split('\n').slice(-30).join('\n')}`);
} finally {
  teardown.disarm();
  await teardown.run();
}
process.exit(exitCode);
