// `npm run bench`: measures a chat turn against two anchors on the same workerd — the least any
// design can cost (the "floor", a Worker that pipes the model's SSE straight through) and the
// Agents SDK's AIChatAgent (bench/aichat/) — interleaved in random order, plus cold turns,
// heartbeats, history pages, concurrency and bundle sizes. Loopback only, bounded in count and
// time. Prints a table and writes bench/results/latest.json. Exit 0 even when a target is missed
// (it is a measurement); non-zero when the harness itself fails (including any error under
// concurrency). See docs/BENCHMARKS.md.
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startMockModel } from '../mock-model/server.mjs';
import { applyD1Migrations } from '../scripts/lib/d1-migrations.mjs';
import { AiChatClient, Api, appTurn, d1StatementsOf, floorTurn, timedFetch } from './lib/clients.mjs';
import { appBytes, bytesByTable, installWriteLog, openD1Databases, seedChat, shardOf, usersPerShard, writeDiff, writeSnapshot } from './lib/d1.mjs';
import { ROOT, createTeardown, freePort, log, runStep, startWrangler, waitUntilUp } from './lib/proc.mjs';
import { benchSeed, createRandom, shuffled } from './lib/random.mjs';
import { pool, summary } from './lib/stats.mjs';
import { computeCapacity } from './lib/capacity.mjs';
import { buildTable, renderCapacity, renderTable } from './lib/report.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const C = {
  tokens: 20,
  tokenDelayMs: 1,
  seed: benchSeed(),
  // The bench app's own TURNS_PER_MINUTE (a --var override): the executor still counts every
  // turn, only the threshold is out of the way of a benchmark that sends ~17 turns a minute per chat.
  turnsPerMinute: 1000,
  signupsPerHour: 1000,
  warmUsers: QUICK ? 4 : 14, // chats per system, so each conversation stays a realistic length
  warmTurnsPerUser: QUICK ? 3 : 15, // + 1 warm-up turn each
  coldUsers: QUICK ? 3 : 10,
  coldSeed: 500,
  historyBig: 10_000,
  historySmall: 50,
  historySamples: QUICK ? 10 : 60,
  probeSamples: QUICK ? 10 : 80,
  heartbeatCount: QUICK ? 100 : 600,
  heartbeatConcurrency: 10,
  steadySessions: QUICK ? 3 : 10,
  steadyIntervalMs: 400, // HEARTBEAT_INTERVAL_S 60 and HEARTBEAT_PERSIST_S 300, both scaled by 1/150
  steadyPersistS: 2,
  steadyDurationMs: QUICK ? 4_000 : 10_000,
  concUsers: 20,
  concTurns: 10,
  replyLengths: [20, 300, 1000],
  anatomySamples: QUICK ? 10 : 60,
  opSamples: QUICK ? 8 : 30, // session opens and ends, searches: counted, not raced
  searchQueries: ['lorem', 'ipsum dolor', '"message 42"', 'seed'],
  // docs/CAPACITY.md: writes per user on each shard within this share of one another.
  balanceTolerance: 0.15,
  capacity: {
    // An active user's hour (an assumption, docs/CAPACITY.md): a brisk conversation, one tab open.
    profile: {
      turnsPerHour: 60,
      heartbeatsPerHour: 60, // HEARTBEAT_INTERVAL_S = 60; the steady phase keeps its 1:5 persist ratio
      sessionOpensPerHour: 2, // and as many ends
      historyPagesPerHour: 12,
      searchesPerHour: 2,
      activeHoursPerDay: 1,
    },
    // One D1 database: a single writer, on the order of 1,000 small write statements a second, and 10 GB.
    limits: { shardWritesPerSecond: 1000, writeHeadroom: 0.5, shardBytes: 10e9, storageHeadroom: 0.8 },
  },
};
const SUITE_TIMEOUT_MS = 420_000;
const SYSTEMS = ['app', 'floor', 'aichat'];
const PASSWORD = 'correct horse battery staple';
const RESULTS = join(ROOT, 'bench', 'results');

const runStarted = Date.now();
const elapsed = () => `${((Date.now() - runStarted) / 1000).toFixed(1)} s`;
const progress = (message) => log(`[${elapsed()}] ${message}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tag = () => randomUUID().slice(0, 8);

const teardown = createTeardown({ log, deadlineMs: SUITE_TIMEOUT_MS, deadlineMessage: `FAILED: the benchmark exceeded ${SUITE_TIMEOUT_MS / 1000} s` });

const results = {
  date: new Date().toISOString(),
  machine: machineInfo(),
  config: C,
  versions: versionsOf(['wrangler', 'agents', '@cloudflare/ai-chat', 'ai', '@ai-sdk/openai', 'openai']),
  warm: null,
  probes: null,
  cold: null,
  heartbeat: null,
  history: null,
  writesPerReply: null,
  operations: null,
  shards: null,
  concurrency: null,
  anatomy: null,
  size: null,
  harnessErrors: [],
};

let exitCode = 0;
try {
  // ── build, snapshot, size ────────────────────────────────────────────────────
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    progress('building (vite build)…');
    runStep('npx', ['vite', 'build'], { timeoutMs: 180_000 });
  }
  const work = mkdtempSync(join(tmpdir(), 'clarity-bench-'));
  teardown.add(() => rmSync(work, { recursive: true, force: true }));
  // A private copy of the build, so a concurrent `vite build` in the repo cannot change what we serve.
  cpSync(join(ROOT, 'dist'), join(work, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'migrations'), join(work, 'migrations'), { recursive: true });
  const appConfig = join(work, 'dist', 'clarity_edge', 'wrangler.json');

  progress('measuring bundle sizes (wrangler deploy --dry-run)…');
  results.size = measureSize(work, appConfig);
  results.size.aichat = measureWorkerSize(join(ROOT, 'bench', 'aichat', 'wrangler.toml'), join(work, 'aichat-dry-run'));

  const persist = join(work, 'state');
  progress('applying D1 migrations to a throwaway state dir…');
  // Every D1 binding of the built config: the directory (DB) and each shard (SPEC §17).
  await applyD1Migrations({ persistTo: persist, config: appConfig });

  // ── servers ──────────────────────────────────────────────────────────────────
  const mock = await startMockModel({ port: 0, tokenDelayMs: C.tokenDelayMs, defaultTokens: C.tokens });
  teardown.add(() => mock.close());
  // The bench signs ~50 users up from one address in a minute: its own sign-up limit, like its
  // turn limit, is a var override (an app without these vars ignores them).
  const appVars = {
    OPENAI_BASE_URL: mock.url,
    OPENAI_TIMEOUT_MS: '30000',
    TURNS_PER_MINUTE: String(C.turnsPerMinute),
    SIGNUPS_PER_HOUR: String(C.signupsPerHour),
  };
  const startApp = async (extraVars = {}) => {
    const server = startWrangler({
      name: 'app (wrangler dev)',
      config: appConfig,
      port: await freePort(),
      persistTo: persist,
      vars: { ...appVars, ...extraVars },
    });
    teardown.add(() => server.stop());
    await waitUntilUp(server, '/api/health', { timeoutMs: 90_000 });
    return server;
  };
  progress('starting the app and the floor with wrangler dev…');
  let app = await startApp();
  // One at a time: two wrangler dev processes starting together can race for the same
  // local socket ("Address already in use").
  const floorServer = startWrangler({
    name: 'floor (wrangler dev)',
    config: join(ROOT, 'bench', 'floor', 'wrangler.toml'),
    port: await freePort(),
    persistTo: join(work, 'floor-state'),
    vars: { MOCK_URL: mock.url },
  });
  teardown.add(() => floorServer.stop());
  await waitUntilUp(floorServer, '/', { timeoutMs: 90_000, init: { method: 'POST', body: '{"content":"up?"}' } });
  const aichatServer = startWrangler({
    name: 'AIChatAgent (wrangler dev)',
    config: join(ROOT, 'bench', 'aichat', 'wrangler.toml'),
    port: await freePort(),
    persistTo: join(work, 'aichat-state'),
    vars: { MOCK_URL: mock.url },
  });
  teardown.add(() => aichatServer.stop());
  await waitUntilUp(aichatServer, '/agents/bench-chat/up/get-messages', { timeoutMs: 90_000 });
  progress(`app on ${app.baseUrl}, floor on ${floorServer.baseUrl}, AIChatAgent on ${aichatServer.baseUrl}, mock model on ${mock.url} (seed ${C.seed})`);
  let api = new Api(app.baseUrl);
  const floorUrl = floorServer.baseUrl;

  const dbs = openD1Databases(persist, appConfig);
  teardown.add(() => dbs.close());
  for (const { db } of dbs.all) installWriteLog(db);
  results.operations = {};

  // ── users, sessions, seeded chats ────────────────────────────────────────────
  const signupStatements = [];
  const signup = async (label) => {
    const email = `${label}-${tag()}@bench.test`;
    const { data, d1 } = await api.json('POST', '/api/auth/signup', { body: { email, password: PASSWORD } });
    signupStatements.push(d1);
    return { email, token: data.token, userId: data.user.id };
  };
  const openSession = async (user, clientInstanceId = `tab-${tag()}`) => {
    const { data } = await api.json('POST', '/api/sessions', { token: user.token, body: { agent: 'assistant', clientInstanceId } });
    return { ...user, chatId: data.chat.id, sessionId: data.session.id };
  };
  // Sign-ups one at a time, as sign-ups spread over time arrive: each is placed on the shard with
  // the fewest users so far, so every kind of bench user splits evenly over the shards and the
  // writes per user of each shard can be compared (docs/CAPACITY.md). Sessions open four at a
  // time; the warm users' just before their warm-up turns (below).
  progress('signing up users and opening sessions…');
  const signups = (count, label) => pool(count, 1, (i) => signup(`${label}${i}`));
  const warmSignups = await signups(C.warmUsers, 'warm');
  const concSignups = await signups(C.concUsers, 'conc');
  const writesSignup = await signup('writes');
  const signupsBefore = writeSnapshot(dbs);
  signupStatements.length = 0;
  const coldUsers = await signups(C.coldUsers, 'cold');
  const historyUser = await signup('history');
  results.operations.signup = { label: 'sign-up', ...opCounts(signupStatements, await settledDiff(dbs, signupsBefore), C.coldUsers + 1) };
  const concUsers = await pool(C.concUsers, 4, (i) => openSession(concSignups[i]));
  const writesUser = await openSession(writesSignup);
  progress(`seeding ${C.coldUsers} chats of ${C.coldSeed} messages and a ${C.historyBig}- and a ${C.historySmall}-message chat…`);
  // Ids as the app mints them (`<agent>_<uuid>`, SPEC §12.1), so a turn routes without a lookup.
  const chatIdFor = () => `assistant_${randomUUID()}`;
  for (const user of coldUsers) {
    user.chatId = chatIdFor();
    seedChat(dbs, { chatId: user.chatId, userId: user.userId, count: C.coldSeed, title: 'Cold chat' });
  }
  const bigChat = chatIdFor();
  const smallChat = chatIdFor();
  // The size of a stored message, index included: the history user's shard before and after its big chat.
  const historyShard = shardOf(dbs, historyUser.userId);
  const bytesBefore = appBytes(historyShard.db);
  const tablesBefore = bytesByTable(historyShard.db);
  seedChat(dbs, { chatId: bigChat, userId: historyUser.userId, count: C.historyBig, title: 'Big chat' });
  const seededBytes = appBytes(historyShard.db) - bytesBefore;
  const seededByTable = Object.fromEntries(
    Object.entries(bytesByTable(historyShard.db))
      .map(([table, bytes]) => [table, round((bytes - (tablesBefore[table] ?? 0)) / C.historyBig)])
      .filter(([table, perMessage]) => perMessage !== 0 && table !== 'bench_write_log'),
  );
  const seededChars = historyShard.db.prepare('SELECT avg(length(content)) AS n FROM chat_messages WHERE chat_id = ?').get(bigChat).n;
  seedChat(dbs, { chatId: smallChat, userId: historyUser.userId, count: C.historySmall, title: 'Small chat' });
  results.shards = {
    seededMessage: {
      shard: historyShard.binding,
      messages: C.historyBig,
      bytes: seededBytes,
      bytesPerMessage: round(seededBytes / C.historyBig),
      contentChars: round(seededChars),
      perMessageByTable: seededByTable,
    },
  };
  // Everything written from here on is the bench's traffic (not its seeding): split by shard at the end.
  const runWritesBefore = writeSnapshot(dbs);

  /** The time the mock model received the completion request carrying `marker` (epoch ms). */
  const modelReceivedAt = async (marker) => {
    const res = await fetch(`${mock.url.replace(/\/v1$/, '')}/__requests?contains=${encodeURIComponent(marker)}`);
    const { receivedAt } = await res.json();
    return receivedAt[0] ?? null;
  };
  const expectedText = Array.from({ length: C.tokens }, (_, i) => `token${i + 1}`).join(' ');
  const checkTurn = (r) => {
    if (r.ok && r.text.trim() !== expectedText) r.error = `unexpected reply text (${r.deltas} deltas): ${r.text.slice(0, 80)}`;
    if (r.error) r.ok = false;
    return r;
  };
  const ours = async (user, label) => {
    const marker = `${label}-${tag()}`;
    const r = checkTurn(await appTurn(app.baseUrl, { token: user.token, chatId: user.chatId, sessionId: user.sessionId, content: `bench ${marker}` }));
    const at = await modelReceivedAt(marker);
    r.modelReceivedMs = at === null ? null : at - r.sentAt;
    return r;
  };
  const floor = async (label) => {
    const marker = `${label}-${tag()}`;
    const r = checkTurn(await floorTurn(floorUrl, { content: `bench ${marker}` }));
    const at = await modelReceivedAt(marker);
    r.modelReceivedMs = at === null ? null : at - r.sentAt;
    return r;
  };
  const aichat = async (chat, label) => {
    const marker = `${label}-${tag()}`;
    const r = checkTurn(await chat.turn(`bench ${marker}`));
    const at = await modelReceivedAt(marker);
    r.modelReceivedMs = at === null ? null : at - r.sentAt;
    return r;
  };
  const openChats = async (count, label) => {
    const chats = await pool(count, 4, (i) => AiChatClient.connect(aichatServer.baseUrl, `${label}-${i}-${tag()}`));
    teardown.add(() => chats.forEach((chat) => chat.close()));
    return chats;
  };
  progress(`AIChatAgent: opening ${C.warmUsers + C.concUsers} chats (one socket each, as useAgentChat keeps it)…`);
  const warmChats = await openChats(C.warmUsers, 'warm');
  const concChats = await openChats(C.concUsers, 'conc');
  const failOn = (label, turns) => {
    const bad = turns.filter((t) => !t.ok);
    if (bad.length) results.harnessErrors.push(`${label}: ${bad.length} failed turns, first: ${bad[0].error}`);
    return turns.filter((t) => t.ok);
  };

  // ── probes: where do the milliseconds of a request go? ───────────────────────
  progress(`probes: ${C.probeSamples} rounds of floor GET, /api/health, /api/auth/me, executor RPC…`);
  {
    const u = writesUser;
    const probes = {
      floorGet: () => timedFetch(`${floorUrl}/`, { expect: [405] }),
      health: () => timedFetch(`${app.baseUrl}/api/health`),
      authMe: () => timedFetch(`${app.baseUrl}/api/auth/me`, { token: u.token }),
      executorState: () => timedFetch(`${app.baseUrl}/api/agents/assistant/executor`, { token: u.token }),
      firstPage50: () => timedFetch(`${app.baseUrl}/api/chats/${u.chatId}/messages?limit=50`, { token: u.token }),
    };
    const samples = Object.fromEntries(Object.keys(probes).map((k) => [k, []]));
    for (let i = 0; i < C.probeSamples + 5; i++) {
      for (const [k, fn] of Object.entries(probes)) {
        const ms = await fn();
        if (i >= 5) samples[k].push(ms);
      }
    }
    results.probes = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summary(v)]));
  }

  // ── warm turns: app, floor and AIChatAgent in a random order per sample ───────
  // Each warm user's session opens here, so its warm-up turn is the first after a session open
  // (workerd evicts an object left idle: opened before the seeding and the probes, 13 and 14 of 14
  // such turns read D1 on a loaded box, their executor gone).
  progress(`opening ${C.warmUsers} sessions; warm-up: one turn per chat for the app and AIChatAgent, ${C.warmUsers} floor turns…`);
  const warmUsers = await pool(C.warmUsers, 4, (i) => openSession(warmSignups[i]));
  const warmupApp = failOn('warm-up', await pool(C.warmUsers, 1, (i) => ours(warmUsers[i], 'warmup')));
  failOn('floor warm-up', await pool(C.warmUsers, 1, () => floor('warmup')));
  failOn('AIChatAgent warm-up', await pool(C.warmUsers, 1, (i) => aichat(warmChats[i], 'warmup')));
  const warmTotal = C.warmUsers * C.warmTurnsPerUser;
  const warmWritesBefore = writeSnapshot(dbs);
  progress(`warm turns: ${warmTotal} samples × (app, floor, AIChatAgent) in a random order each (${C.tokens} tokens, ${C.tokenDelayMs} ms apart)…`);
  const random = createRandom(C.seed);
  const samples = [];
  const firstPlace = Object.fromEntries(SYSTEMS.map((name) => [name, 0]));
  for (let round = 0; round < C.warmTurnsPerUser; round++) {
    for (const [u, user] of warmUsers.entries()) {
      const order = shuffled(SYSTEMS, random);
      firstPlace[order[0]] += 1;
      const sample = {};
      for (const name of order) {
        if (name === 'app') sample.app = await ours(user, 'warm');
        else if (name === 'floor') sample.floor = await floor('warm');
        else sample.aichat = await aichat(warmChats[u], 'warm');
      }
      samples.push(sample);
    }
    if ((round + 1) % 5 === 0) progress(`  ${samples.length}/${warmTotal}`);
  }
  const okApp = failOn(
    'warm turns',
    samples.map((x) => x.app),
  );
  // Only the app writes D1 here (the floor and AIChatAgent have none of it): every row is a warm turn's.
  results.operations.turn = {
    label: `warm turn (${C.tokens}-token reply)`,
    ...opCounts(
      samples.map((x) => d1StatementsOf(x.app.serverTiming)),
      await settledDiff(dbs, warmWritesBefore),
      samples.length,
    ),
    executorBeforeFirstToken: statementStats(okApp.map((t) => t.timings?.d1BeforeFirstToken)),
  };
  const okFloor = failOn(
    'floor turns',
    samples.map((x) => x.floor),
  );
  const okAichat = failOn(
    'AIChatAgent turns',
    samples.map((x) => x.aichat),
  );
  /** Per sample (the systems back to back, in random order): a − b, so drift and order cancel. */
  const paired = (a, b, key) => summary(samples.map((x) => (x[a].ok && x[b].ok ? x[a][key] - x[b][key] : null)));
  results.warm = {
    samples: samples.length,
    firstPlace,
    app: turnSummary(okApp),
    floor: turnSummary(okFloor),
    aichat: turnSummary(okAichat),
    serverTimings: {
      buildMs: summary(okApp.map((t) => t.timings?.buildMs)),
      ttftMs: summary(okApp.map((t) => t.timings?.ttftMs)),
      totalMs: summary(okApp.map((t) => t.timings?.totalMs)),
    },
    pairedDiff: Object.fromEntries(
      [
        ['appMinusFloor', 'app', 'floor'],
        ['aichatMinusFloor', 'aichat', 'floor'],
        ['appMinusAichat', 'app', 'aichat'],
      ].map(([k, a, b]) => [k, { ttftMs: paired(a, b, 'ttftMs'), lastTokenMs: paired(a, b, 'lastTokenMs'), modelReceivedMs: paired(a, b, 'modelReceivedMs') }]),
    ),
    stages: stageSummary(okApp),
    serverTiming: serverTimingSummary(okApp),
  };

  // ── cold turns: a brand-new executor on a chat of 500 messages ───────────────
  progress(`cold turns: ${C.coldUsers} new executors on ${C.coldSeed}-message chats (each paired with a warm turn)…`);
  const coldTurns = [];
  const coldPairs = [];
  for (const [i, user] of coldUsers.entries()) {
    coldTurns.push(await ours(user, 'cold'));
    coldPairs.push(await ours(warmUsers[i % warmUsers.length], 'coldpair'));
  }
  const okCold = failOn('cold turns', coldTurns);
  const okPairs = failOn('cold-pair warm turns', coldPairs);
  results.cold = {
    app: turnSummary(okCold),
    pairedWarm: turnSummary(okPairs),
    serverTimings: { buildMs: summary(okCold.map((t) => t.timings?.buildMs)), ttftMs: summary(okCold.map((t) => t.timings?.ttftMs)) },
    d1BeforeFirstToken: d1Count(okCold),
  };
  // SPEC §12.1/§12.4: every warm turn of the run (the interleaved ones and the cold turns' warm
  // partners) counted; the first turn after a session opens is reported beside them.
  results.d1BeforeFirstToken = {
    warm: d1Count([...okApp, ...okPairs]),
    interleaved: d1Count(okApp),
    coldPartners: d1Count(okPairs),
    afterSessionOpen: d1Count(warmupApp),
  };

  // ── history: the first page of a 10,000-message chat vs a 50-message chat ────
  progress(`history: ${C.historySamples} first pages of each, alternating…`);
  {
    const big = [];
    const small = [];
    const statements = [];
    const before = writeSnapshot(dbs);
    for (let i = 0; i < C.historySamples + 5; i++) {
      const b = await timedFetch(`${app.baseUrl}/api/chats/${bigChat}/messages?limit=50`, { token: historyUser.token, d1: statements });
      const s = await timedFetch(`${app.baseUrl}/api/chats/${smallChat}/messages?limit=50`, { token: historyUser.token, d1: statements });
      if (i >= 5) {
        big.push(b);
        small.push(s);
      }
    }
    const page = await api.json('GET', `/api/chats/${bigChat}/messages?limit=50`, { token: historyUser.token });
    if (page.data.messages.length !== 50 || page.data.messages.at(-1).seq !== C.historyBig || !page.data.hasMore) {
      results.harnessErrors.push('history: the big chat did not answer its newest 50 messages');
    }
    results.history = { big: summary(big), small: summary(small) };
    results.operations.historyPage = { label: 'history page (50 messages)', ...opCounts(statements, await settledDiff(dbs, before), statements.length) };
  }

  // ── session open / end and search: what each costs in D1 (docs/CAPACITY.md) ───
  progress(`operations: ${C.opSamples} session opens (a new tab on a chat, and with no chat), their ends, and searches…`);
  {
    const op = async (label, count, fn) => {
      const statements = [];
      const latencies = [];
      const before = writeSnapshot(dbs);
      for (let i = 0; i < count; i++) {
        const { ms, d1 } = await fn(i);
        latencies.push(ms);
        statements.push(d1);
      }
      return { label, ...opCounts(statements, await settledDiff(dbs, before), count), latency: summary(latencies) };
    };
    const opened = [];
    const open = async (i, withChat) => {
      const u = warmUsers[i % warmUsers.length];
      const body = { agent: 'assistant', clientInstanceId: `tab-${tag()}`, ...(withChat ? { chatId: u.chatId } : {}) };
      const r = await api.json('POST', '/api/sessions', { token: u.token, body });
      opened.push({ token: u.token, sessionId: r.data.session.id });
      return r;
    };
    results.operations.sessionOpen = await op('session open (new tab, its chat named)', C.opSamples, (i) => open(i, true));
    results.operations.sessionOpenLatest = await op('session open (new tab, no chat named)', C.opSamples, (i) => open(i, false));
    results.operations.sessionEnd = await op('session end (tab closed)', opened.length, (i) =>
      api.json('POST', `/api/sessions/${opened[i].sessionId}/end`, { token: opened[i].token }),
    );
    results.operations.search = await op(`search (${C.searchQueries.length} queries over ${C.historyBig + C.historySmall} messages)`, C.opSamples, (i) =>
      api.json('GET', `/api/search?q=${encodeURIComponent(C.searchQueries[i % C.searchQueries.length])}&limit=20`, { token: historyUser.token }),
    );
  }

  // ── heartbeats (burst, default config) ───────────────────────────────────────
  progress(`heartbeats: ${C.heartbeatCount} at ${C.heartbeatConcurrency} in flight over ${warmUsers.length} sessions…`);
  {
    const before = writeSnapshot(dbs);
    const statements = [];
    let failures = 0;
    const t0 = performance.now();
    const latencies = await pool(C.heartbeatCount, C.heartbeatConcurrency, async (i) => {
      const u = warmUsers[i % warmUsers.length];
      try {
        return await timedFetch(`${app.baseUrl}/api/sessions/${u.sessionId}/heartbeat`, { method: 'POST', token: u.token, expect: [204], d1: statements });
      } catch {
        failures += 1;
        return null;
      }
    });
    const seconds = (performance.now() - t0) / 1000;
    const diff = await settledDiff(dbs, before);
    if (failures) results.harnessErrors.push(`heartbeats: ${failures} failed`);
    results.operations.heartbeat = { label: 'heartbeat (burst, nothing due to persist)', ...opCounts(statements, diff, C.heartbeatCount - failures) };
    results.heartbeat = {
      burst: {
        count: C.heartbeatCount,
        failures,
        seconds: round(seconds),
        rps: round(C.heartbeatCount / seconds),
        latency: summary(latencies),
        d1Writes: diff,
        writesPerHeartbeat: round(diff.total / C.heartbeatCount, 4),
      },
    };
  }

  // ── D1 writes per reply, by reply length ─────────────────────────────────────
  progress(`D1 writes per turn for replies of ${C.replyLengths.join(', ')} tokens…`);
  results.writesPerReply = [];
  for (const n of C.replyLengths) {
    const before = writeSnapshot(dbs);
    const marker = `writes-${tag()}`;
    const r = await appTurn(app.baseUrl, {
      token: writesUser.token,
      chatId: writesUser.chatId,
      sessionId: writesUser.sessionId,
      content: `bench ${marker} [[tokens:${n}]]`,
    });
    if (!r.ok || r.deltas !== n) results.harnessErrors.push(`writes: the ${n}-token turn failed (${r.error ?? `${r.deltas} deltas`})`);
    const diff = await settledDiff(dbs, before);
    const k = diff.byKey;
    const assistantRows = (k['chat_messages INSERT assistant'] ?? 0) + (k['chat_messages UPDATE assistant'] ?? 0) + (k['chat_messages DELETE assistant'] ?? 0);
    const userRows = (k['chat_messages INSERT user'] ?? 0) + (k['chat_messages UPDATE user'] ?? 0);
    const chatTouches = k['chats UPDATE'] ?? 0;
    // The user message brings its own row and one chats touch; everything else is the reply's.
    const replyWrites = diff.total - userRows - Math.min(1, chatTouches);
    results.writesPerReply.push({ tokens: n, deltas: r.deltas, totalMs: round(r.endMs ?? 0), turnWrites: diff, assistantRows, replyWrites });
  }

  // ── concurrency: 20 users × 10 turns in parallel, then the floor the same way ──
  progress(`concurrency: ${C.concUsers} users × ${C.concTurns} turns in parallel (app, floor and AIChatAgent, in a random order)…`);
  {
    const runConc = async (turn) => {
      const t0 = performance.now();
      const perUser = await Promise.all(
        Array.from({ length: C.concUsers }, async (_, u) => {
          const out = [];
          for (let i = 0; i < C.concTurns; i++) out.push(await turn(u, i));
          return out;
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      const turns = perUser.flat();
      const errors = turns.filter((t) => !t.ok);
      const ok = turns.filter((t) => t.ok);
      return {
        turns: turns.length,
        seconds: round(seconds),
        turnsPerSecond: round(turns.length / seconds),
        errors: errors.length,
        firstError: errors[0]?.error ?? null,
        ttftMs: summary(ok.map((t) => t.ttftMs)),
        lastTokenMs: summary(ok.map((t) => t.lastTokenMs)),
        d1BeforeFirstToken: 'timings' in (ok[0] ?? {}) ? d1Count(ok) : null,
      };
    };
    const runners = {
      app: () => runConc((u) => ours(concUsers[u], 'conc')),
      floor: () => runConc(() => floor('conc')),
      aichat: () => runConc((u) => aichat(concChats[u], 'conc')),
    };
    const order = shuffled(SYSTEMS, random);
    results.concurrency = { order };
    for (const name of order) results.concurrency[name] = await runners[name]();
    for (const name of SYSTEMS) {
      const c = results.concurrency[name];
      if (c.errors > 0) results.harnessErrors.push(`concurrency (${name}): ${c.errors} of ${c.turns} turns failed (first: ${c.firstError})`);
    }
    for (const chat of [...warmChats, ...concChats]) chat.close();
    await aichatServer.stop(); // its part is done; the phases below measure the app alone
  }

  // ── heartbeats (steady state, time scaled 1/150) ─────────────────────────────
  progress(
    `heartbeats, steady state: restarting the app with HEARTBEAT_PERSIST_S=${C.steadyPersistS}, ${C.steadySessions} sessions beating every ${C.steadyIntervalMs} ms…`,
  );
  {
    await app.stop();
    app = await startApp({ HEARTBEAT_PERSIST_S: String(C.steadyPersistS) });
    api = new Api(app.baseUrl);
    const sessions = await pool(C.steadySessions, 4, (i) => openSession(warmUsers[i % warmUsers.length]));
    const before = writeSnapshot(dbs);
    const statements = [];
    let beats = 0;
    let failures = 0;
    const end = Date.now() + C.steadyDurationMs;
    await Promise.all(
      sessions.map(async (s, i) => {
        await sleep((i * C.steadyIntervalMs) / sessions.length); // spread the sessions out
        for (let next = Date.now(); next < end; next += C.steadyIntervalMs) {
          await sleep(Math.max(0, next - Date.now()));
          try {
            await timedFetch(`${app.baseUrl}/api/sessions/${s.sessionId}/heartbeat`, { method: 'POST', token: s.token, expect: [204], d1: statements });
            beats += 1;
          } catch {
            failures += 1;
          }
        }
      }),
    );
    const diff = await settledDiff(dbs, before);
    if (failures) results.harnessErrors.push(`steady heartbeats: ${failures} failed`);
    results.operations.heartbeatSteady = {
      label: `heartbeat (steady: every ${C.steadyIntervalMs} ms, persisted every ${C.steadyPersistS} s)`,
      ...opCounts(statements, diff, beats),
    };
    results.heartbeat.steady = {
      sessions: sessions.length,
      intervalMs: C.steadyIntervalMs,
      persistS: C.steadyPersistS,
      beats,
      failures,
      d1Writes: diff,
      writesPerHeartbeat: round(diff.total / Math.max(1, beats), 4),
    };
  }
  // ── the shards: users placed on each, and the rows the run wrote there ───────
  results.shards = { ...results.shards, ...shardBalance(dbs, await settledDiff(dbs, runWritesBefore)) };
  // ── hot-path anatomy: each ingredient of a turn priced alone (bench/probe) ───
  progress('anatomy: pricing a D1 round trip, a DO RPC, a DO storage write, the rate limiter, DO piping, the openai SDK…');
  {
    await app.stop();
    const probe = startWrangler({
      name: 'probe (wrangler dev)',
      config: join(ROOT, 'bench', 'probe', 'wrangler.toml'),
      port: await freePort(),
      persistTo: join(work, 'probe-state'),
      vars: { MOCK_URL: mock.url },
    });
    teardown.add(() => probe.stop());
    await waitUntilUp(probe, '/noop', { timeoutMs: 90_000 });
    const get = (path) => timedFetch(`${probe.baseUrl}${path}`);
    const workerSide = async (path) => (await (await fetch(`${probe.baseUrl}${path}`)).json()).ms;
    const single = { noop: [], d1: [], d1Auth: [], rateLimit: [], doRpc: [] };
    const inWorker = { d1: [], d1Auth: [], rateLimit: [], doRpc: [], doSql: [] };
    const N = 20;
    for (let i = 0; i < C.anatomySamples + 5; i++) {
      const s = {
        noop: await get('/noop'),
        d1: await get('/d1?n=1'),
        d1Auth: await get('/d1-auth?n=1'),
        rateLimit: await get('/rl?n=1'),
        doRpc: await get('/do?n=1'),
      };
      if (i >= 5) for (const [k, v] of Object.entries(s)) single[k].push(v);
      if (i % 4 === 0 && i >= 5) {
        inWorker.d1.push((await workerSide(`/d1?n=${N}`)) / N);
        inWorker.d1Auth.push((await workerSide(`/d1-auth?n=${N}`)) / N);
        inWorker.rateLimit.push((await workerSide(`/rl?n=${N}`)) / N);
        inWorker.doRpc.push((await workerSide(`/do?n=${N}`)) / N);
        inWorker.doSql.push((await workerSide(`/do-sql?n=${N}`)) / N);
      }
    }
    const streams = { floor: [], pipeDo: [], pipeDoWrite: [], pipeDoWriteAlarm: [], sdk: [] };
    for (let i = 0; i < C.anatomySamples + 5; i++) {
      const f = checkTurn(await floorTurn(floorUrl, { content: `bench anatomy-${tag()}` }));
      const d = checkTurn(await floorTurn(probe.baseUrl, { content: `bench anatomy-${tag()}`, path: '/pipe-do' }));
      const dw = checkTurn(await floorTurn(probe.baseUrl, { content: `bench anatomy-${tag()}`, path: '/pipe-do-write' }));
      const dwa = checkTurn(await floorTurn(probe.baseUrl, { content: `bench anatomy-${tag()}`, path: '/pipe-do-write-alarm' }));
      const k = checkTurn(await floorTurn(probe.baseUrl, { content: `bench anatomy-${tag()}`, path: '/sdk' }));
      if (i >= 5) {
        streams.floor.push(f);
        streams.pipeDo.push(d);
        streams.pipeDoWrite.push(dw);
        streams.pipeDoWriteAlarm.push(dwa);
        streams.sdk.push(k);
      }
    }
    const streamSummary = (turns) => ({
      ttftMs: summary(failOn('anatomy streams', turns).map((t) => t.ttftMs)),
      lastTokenMs: summary(turns.filter((t) => t.ok).map((t) => t.lastTokenMs)),
    });
    results.anatomy = {
      clientMs: Object.fromEntries(Object.entries(single).map(([k, v]) => [k, summary(v)])),
      workerMsPerCall: Object.fromEntries(Object.entries(inWorker).map(([k, v]) => [k, summary(v)])),
      streams: Object.fromEntries(Object.entries(streams).map(([k, v]) => [k, streamSummary(v)])),
    };
    await probe.stop();
  }
  progress('measurements done; stopping servers');
} catch (error) {
  exitCode = 1;
  results.harnessErrors.push(`harness: ${error?.stack ?? error}`);
  log(`FAILED: ${error?.stack ?? error}`);
} finally {
  await teardown.run();
  teardown.disarm();
}

results.durationS = round((Date.now() - runStarted) / 1000);
results.machine.loadAvgAtEnd = loadavg().map((v) => round(v));
results.capacity = computeCapacity(results, C.capacity);
results.table = buildTable(results);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\n${renderTable(results)}\n\n${renderCapacity(results)}\n`);
log(`wrote bench/results/latest.json (${results.durationS} s)`);
if (results.harnessErrors.length) {
  exitCode = exitCode || 1;
  log('HARNESS ERRORS — these figures are not a valid run:');
  for (const e of results.harnessErrors) log(`  ✘ ${e}`);
}
process.exit(exitCode);

// ── helpers ────────────────────────────────────────────────────────────────────

function round(v, digits = 2) {
  const scale = 10 ** digits;
  return Math.round(v * scale) / scale;
}

function turnSummary(turns) {
  return {
    ttftMs: summary(turns.map((t) => t.ttftMs)),
    lastTokenMs: summary(turns.map((t) => t.lastTokenMs)),
    endMs: summary(turns.map((t) => t.endMs)),
    ackMs: summary(turns.map((t) => t.ackMs)),
    modelReceivedMs: summary(turns.map((t) => t.modelReceivedMs)),
    modelToFirstTokenMs: summary(turns.map((t) => (t.modelReceivedMs === null ? null : t.ttftMs - t.modelReceivedMs))),
  };
}

/**
 * `timings.d1BeforeFirstToken` over `turns` (SPEC §12.4): how many report it, how many report 0,
 * and the share of all turns with 0 — a turn that does not report it does not count as 0.
 */
function d1Count(turns) {
  const values = turns.map((t) => t.timings?.d1BeforeFirstToken).filter((v) => typeof v === 'number');
  const zero = values.filter((v) => v === 0).length;
  return {
    turns: turns.length,
    reported: values.length,
    zero,
    shareZero: turns.length ? zero / turns.length : null,
    max: values.length ? Math.max(...values) : null,
  };
}

/** `timings.stages` of the app's turns, by stage name in first-seen order: p50/p90 of each. */
function stageSummary(turns) {
  const byName = new Map();
  for (const t of turns) for (const { name, ms } of t.timings?.stages ?? []) byName.set(name, [...(byName.get(name) ?? []), ms]);
  return Object.fromEntries([...byName].map(([name, ms]) => [name, summary(ms)]));
}

/** The turn response's `Server-Timing` header (`name;dur=ms, …`), by metric name. */
function serverTimingSummary(turns) {
  const byName = new Map();
  for (const t of turns) {
    for (const entry of (t.serverTiming ?? '').split(',')) {
      const [name, ...params] = entry.trim().split(';');
      const dur = params.map((p) => /^\s*dur=([\d.]+)/.exec(p)?.[1]).find(Boolean);
      if (name && dur !== undefined) byName.set(name, [...(byName.get(name) ?? []), Number(dur)]);
    }
  }
  return Object.fromEntries([...byName].map(([name, ms]) => [name, summary(ms)]));
}

function versionsOf(packages) {
  return Object.fromEntries(
    packages.map((name) => {
      try {
        return [name, JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version];
      } catch {
        return [name, null];
      }
    }),
  );
}

/** The writes since `before`, once they stop changing (the executor flushes in the background). */
async function settledDiff(dbs, before) {
  let last = writeSnapshot(dbs);
  for (let i = 0; i < 20; i++) {
    await sleep(150);
    const now = writeSnapshot(dbs);
    if (now.total === last.total && i >= 2) break;
    last = now;
  }
  return writeDiff(before, last);
}

/** Statement counts (from `d1;desc` in Server-Timing): mean, min, max over the reporting responses. */
function statementStats(counts) {
  const v = counts.filter((x) => typeof x === 'number');
  if (!v.length) return { n: 0, mean: null, min: null, max: null };
  return { n: v.length, mean: round(v.reduce((a, b) => a + b, 0) / v.length, 3), min: Math.min(...v), max: Math.max(...v) };
}

/** Rows written per operation over `n` operations, by database kind: the directory (DB) and the shards. */
function rowsPerOp(diff, n) {
  const per = (x) => round(x / Math.max(1, n), 3);
  const shards = Object.entries(diff.byDatabase)
    .filter(([binding]) => binding !== 'DB')
    .reduce((sum, [, d]) => sum + d.total, 0);
  return {
    total: per(diff.total),
    directory: per(diff.byDatabase.DB?.total ?? 0),
    shard: per(shards),
    byKey: Object.fromEntries(Object.entries(diff.byKey).map(([k, x]) => [k, per(x)])),
  };
}

/** One operation's D1 cost: the Worker's statements per response, and rows written per operation on each side. */
function opCounts(statements, diff, n) {
  return {
    n,
    workerStatements: statementStats(statements),
    rowsWritten: rowsPerOp(diff, n),
    d1Writes: { total: diff.total, byKey: diff.byKey, byDatabase: diff.byDatabase },
  };
}

/**
 * Users per shard (from the directory), rows the run wrote on each, and rows per user: balanced
 * when the most any shard wrote per user is within C.balanceTolerance of the least.
 */
function shardBalance(dbs, diff) {
  const users = usersPerShard(dbs);
  // The bench's kinds of user (warm, conc, cold, writes, history: the label its emails start with) on each shard.
  const kinds = dbs.shards.map(() => ({}));
  for (const { shard, email } of dbs.directory.db.prepare('SELECT shard, email FROM users').all()) {
    const kind = email.split('-')[0].replace(/\d+$/, '');
    kinds[shard][kind] = (kinds[shard][kind] ?? 0) + 1;
  }
  const perShard = dbs.shards.map((s, i) => {
    const rows = diff.byDatabase[s.binding]?.total ?? 0;
    const messages = s.db.prepare('SELECT count(*) AS n FROM chat_messages').get().n;
    const bytes = appBytes(s.db);
    return {
      binding: s.binding,
      users: users[i],
      usersByKind: kinds[i],
      rowsWritten: rows,
      rowsPerUser: users[i] ? round(rows / users[i]) : null,
      messages,
      bytes,
    };
  });
  const per = perShard.map((s) => s.rowsPerUser).filter((x) => typeof x === 'number');
  const spread = per.length > 1 && Math.min(...per) > 0 ? Math.max(...per) / Math.min(...per) - 1 : null;
  return {
    perShard,
    directory: { rowsWritten: diff.byDatabase.DB?.total ?? 0, bytes: appBytes(dbs.directory.db) },
    spread: spread === null ? null : round(spread, 4),
    tolerance: C.balanceTolerance,
    balanced: spread !== null && spread <= C.balanceTolerance,
  };
}

function gzipSizeOf(files) {
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const buf = readFileSync(f);
    raw += buf.length;
    gz += gzipSync(buf, { level: 9 }).length;
  }
  return { files: files.length, rawBytes: raw, gzipBytes: gz };
}

function jsIn(dir) {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, f))
    .filter((f) => /\.(m?js)$/.test(f) && statSync(f).isFile());
}

function measureWorkerSize(config, out) {
  runStep('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', out, '--config', config], { timeoutMs: 120_000 });
  return gzipSizeOf(jsIn(out));
}

function measureSize(work, appConfig) {
  return { worker: measureWorkerSize(appConfig, join(work, 'dry-run')), client: gzipSizeOf(jsIn(join(work, 'dist', 'client', 'assets'))) };
}

function machineInfo() {
  const cpu = cpus();
  return {
    // The box is shared: how busy it was when the run started (and, below, when it ended).
    loadAvgAtStart: loadavg().map((v) => round(v)),
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memGiB: round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}
