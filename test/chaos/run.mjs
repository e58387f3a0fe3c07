// `npm run test:chaos` — the chaos soak (issue 19, docs/CHAOS.md): simulated users against
// `wrangler dev` on loopback while a driver SIGKILLs and restarts it, the mock model fails,
// hangs and cuts streams, and clients drop streams and sockets; then an audit straight from
// D1 (the directory and every shard) and the executors' storage. Ends with `N passed, N failed` and a non-zero exit on any
// violation. Knobs: CHAOS_DURATION_S (300), CHAOS_USERS (100), CHAOS_SEED, … (lib/config.mjs).
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startMockModel } from '../../mock-model/server.mjs';
import { applyD1Migrations, d1Bindings } from '../../scripts/lib/d1-migrations.mjs';
import { createTeardown, freePort, ROOT, runStep } from '../../scripts/lib/processes.mjs';
import { Api } from './lib/api.mjs';
import { Audit } from './lib/audit.mjs';
import { appVars, readChaosConfig } from './lib/config.mjs';
import { Observations } from './lib/observations.mjs';
import { createRandom, sleep } from './lib/random.mjs';
import { printReport } from './lib/report.mjs';
import { AppServer } from './lib/server.mjs';
import { installWriteLog, lastWriteIds, openDatabases, readExecutors } from './lib/storage.mjs';
import { SimUser } from './lib/user.mjs';
import { probeChats } from './lib/probe.mjs';

const log = (message) => process.stdout.write(`[chaos] ${message}\n`);
/** Users still mid-turn when the soak ends get this long to finish and leave. */
const WIND_DOWN_MS = 150_000;
/** The least time the app is up between a restart and the next kill. */
const MIN_UPTIME_MS = 5000;
/** Past the session TTL: the alarm that expires the last session, and a recovery retry (5 s), have run. */
const ALARM_SLACK_MS = 15_000;

const config = readChaosConfig();
const random = createRandom(config.seed);
const obs = new Observations();
const runStarted = Date.now();
const setupBudgetMs = 240_000;
const teardown = createTeardown({
  log,
  deadlineMs: setupBudgetMs + config.durationS * 1000 + WIND_DOWN_MS + config.app.sessionTtlS * 1000 + ALARM_SLACK_MS + 300_000,
  deadlineMessage: 'the chaos soak ran out of time',
});

const kills = [];
const killBoundaries = [];
let audit = null;
let harnessError = null;
/** The harness's own failures that still leave the audit worth running. */
const harnessProblems = [];
let persistDir = null;
let tree = null;

try {
  await main();
} catch (error) {
  harnessError = error;
  log(`harness failed: ${error?.stack ?? error}`);
}
teardown.disarm();
await teardown.run();

const auditFailed = audit ? audit.failed() : 0;
if (audit) printReport({ config, tree, obs, audit, kills, runMs: Date.now() - runStarted, log, write: (json) => writeJson(json) });
for (const problem of harnessProblems) log(`harness: ${problem}`);
const passed = audit ? audit.passed() : 0;
const failed = auditFailed + (harnessError ? 1 : 0) + harnessProblems.length;
if (persistDir && failed > 0) log(`the run's storage is kept for inspection in ${persistDir}`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);

async function main() {
  log(
    `seed ${config.seed} · ${config.users} users · ${config.durationS} s · kills every ${config.killMinS}–${config.killMaxS} s (CHAOS_SEED=${config.seed} replays the schedule)`,
  );
  const work = mkdtempSync(join(tmpdir(), 'clarity-chaos-'));
  persistDir = join(work, 'state');
  const keep = () => config.keepDir || audit === null || audit.failed() > 0 || harnessError !== null || harnessProblems.length > 0;
  teardown.add(() => {
    if (!keep()) rmSync(work, { recursive: true, force: true });
  });
  // wrangler dev runs the vite build (the plugin's redirect), so build the code under test:
  // the working tree, or with CHAOS_REV a commit exported on its own (a shared tree may be mid-edit).
  // CHAOS_SOURCE_DIR soaks another copy of the project (a patched export, to see an audit line go red).
  const source = config.sourceDir ?? (config.rev ? exportCommit(config.rev, join(work, 'tree')) : ROOT);
  if (config.sourceDir && !existsSync(join(source, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  tree = config.sourceDir ? { source: config.sourceDir } : treeState(config.rev);
  if (source !== ROOT || process.env.CHAOS_SKIP_BUILD !== '1' || !existsSync(join(ROOT, 'dist', 'clarity_edge', 'wrangler.json'))) {
    log(`building ${config.sourceDir ?? (config.rev ? `${config.rev} (${tree?.commit})` : 'the working tree')} (vite build)`);
    runStep('npx', ['vite', 'build'], { timeoutMs: 240_000, cwd: source });
  }
  // A private copy: every restart must run the same code, whatever another `vite build` in the shared tree does meanwhile.
  cpSync(join(source, 'dist'), join(work, 'dist'), { recursive: true });
  cpSync(join(source, 'migrations'), join(work, 'migrations'), { recursive: true });
  const appConfig = join(work, 'dist', 'clarity_edge', 'wrangler.json');
  const mock = await startMockModel({ port: 0, tokenDelayMs: config.tokenDelayMs });
  teardown.add(() => mock.close());
  // The directory and every shard (SPEC §17), each with its own lineage of migrations, as the built config binds them.
  const bindings = d1Bindings(appConfig);
  if (bindings.filter((b) => /^SHARD_\d+$/.test(b)).length < 2)
    throw new Error(`the code under test binds ${bindings.join(', ')}: the soak needs the directory and at least two shards (SPEC §17)`);
  await applyD1Migrations({ persistTo: persistDir, config: appConfig });
  const databases = openDatabases(persistDir, appConfig);
  teardown.add(() => databases.close());
  log(`local D1: ${databases.all.map((d) => `${d.binding} ${d.file.slice(0, 8)}…`).join(', ')}`);
  // Before the app first runs, so every write it ever makes, in any database, is logged.
  for (const { db } of databases.all) installWriteLog(db);

  const server = new AppServer({ config: appConfig, port: await freePort(), persistTo: persistDir, vars: appVars(config, mock.url) });
  teardown.add(() => server.stop());
  log(`wrangler dev up in ${await server.start()} ms at ${server.baseUrl}`);

  const api = new Api(server.baseUrl);
  const soakEndsAt = Date.now() + config.durationS * 1000;
  let stopping = false;
  const stopWaiters = new Set();
  const run = {
    api,
    obs,
    config,
    runId: randomUUID().slice(0, 8),
    links: new Set(),
    stopping: () => stopping,
    /** Sleeps `ms`, or less if the soak ends meanwhile. */
    wait: (ms) =>
      new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          stopWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        stopWaiters.add(done);
      }),
  };
  const users = Array.from({ length: config.users }, (_, i) => new SimUser(i, run, random.fork()));
  // Arrivals spread over the first few seconds, not one burst.
  const living = users.map(async (user, i) => {
    await sleep((i * 5000) / config.users);
    await user.live();
  });

  const chaos = Promise.all([killLoop(server, databases, soakEndsAt), dropLoop(run, soakEndsAt)]);
  // Awaited once the soak is over; until then a failed restart must not crash the process unhandled.
  chaos.catch(() => undefined);
  const progress = setInterval(() => {
    const c = obs.counters;
    log(
      `${Math.round((Date.now() - runStarted) / 1000)} s: ${c.turnsAttempted} turns, ${c.acknowledged} acknowledged, ${kills.length} kills, ${c.reconnections} reconnections, ${c.resends} resends`,
    );
  }, 30_000);
  teardown.add(() => clearInterval(progress));

  await Promise.race([sleep(soakEndsAt - Date.now()), chaos.then(() => new Promise(() => undefined))]);
  await chaos;
  if (!server.up) await server.start();
  log('soak over: the users finish their turns and leave');
  stopping = true;
  for (const wake of [...stopWaiters]) wake();
  const left = await Promise.race([Promise.all(living).then(() => true), sleep(WIND_DOWN_MS).then(() => false)]);
  if (!left) throw new Error(`users still busy ${WIND_DOWN_MS / 1000} s after the soak ended`);
  // Every tab closed its socket as it left; one still open would keep its session alive and fail the session checks.
  const stray = [...run.links].filter((link) => !link.closed);
  if (stray.length > 0) {
    harnessProblems.push(
      `${stray.length} live sockets still open after every tab left (a harness bug): ${stray
        .slice(0, 5)
        .map((l) => l.sessionId)
        .join(', ')}`,
    );
    for (const link of stray) link.close(4001);
  }
  clearInterval(progress);
  const settleMs = config.app.sessionTtlS * 1000 + ALARM_SLACK_MS;
  log(`every user has left; waiting ${settleMs / 1000} s for the alarms (SESSION_TTL_S + ${ALARM_SLACK_MS / 1000} s)`);
  await sleep(settleMs);

  audit = new Audit({ databases, obs, killBoundaries, sessionTtlMs: config.app.sessionTtlS * 1000 });
  // Read before any request wakes an executor: what the alarms alone left behind.
  const executors = readExecutors(persistDir);
  audit.loadMessages();
  audit.executorStorage(executors);
  audit.sessions(executors);

  const chatCount = databases.shards.reduce((n, s) => n + s.db.prepare('SELECT count(*) AS n FROM chats').get().n, 0);
  log(`probing every chat with a new turn (${chatCount} chats in ${databases.shards.length} shards)`);
  const probe = await probeChats({ api, databases, users, obs });
  audit.add('every chat accepts a new turn (no stale busy claim), and no executor holds one', probe.checked, probe.violations);
  audit.figures.executors = { ...probe.executors, files: executors.length };

  audit.loadMessages();
  audit.acknowledgedStoredOnce();
  audit.placement(new Map(users.filter((u) => u.userId).map((u) => [u.index, u.userId])));
  audit.repliesStoredAsSeen();
  audit.noneStuck();
  audit.streamedKept();
  audit.seqGapFree();
  audit.writes();
  audit.taskEffects();
  audit.figures.appErrorLog = server.loggedErrors();
  audit.figures.slowStarts = server.slowStarts;
}

/**
 * SIGKILL every CHAOS_KILL_MIN_S–MAX_S (kill to kill: a slow restart on a busy machine does not
 * thin the kills out), at least a few seconds after the last restart so users get work in, then a
 * restart on the same port and storage.
 */
async function killLoop(server, databases, until) {
  let last = Date.now();
  let upAt = last;
  while (true) {
    const killAt = Math.max(last + random.int(config.killMinS * 1000, config.killMaxS * 1000), upAt + MIN_UPTIME_MS);
    if (killAt >= until) return;
    await sleep(killAt - Date.now());
    const at = Date.now();
    last = at;
    await server.kill();
    // Nothing writes D1 while the app is dead: these ids (one per database) separate the writes before the kill from the replays after it.
    killBoundaries.push(lastWriteIds(databases));
    // Alarms the objects believe in but the runtime does not hold, as the kill left them: when a lost alarm appeared.
    const alarmsAdrift = readExecutors(persistDir)
      .filter((e) => e.objectAlarmAt !== null && e.alarmAt === null)
      .map((e) => ({ executor: e.name, objectAlarmAt: e.objectAlarmAt }));
    const restartMs = await server.start();
    upAt = Date.now();
    kills.push({ at, atS: Math.round((at - runStarted) / 1000), restartMs, lastWriteBefore: killBoundaries.at(-1), alarmsAdrift });
    log(`kill ${kills.length} at ${kills.at(-1).atS} s; back in ${restartMs} ms`);
  }
}

/** The network drops a few live sockets every few seconds; their tabs reconnect with backoff. */
async function dropLoop(run, until) {
  while (Date.now() < until) {
    await sleep(Math.min(random.int(2000, 6000), Math.max(0, until - Date.now())));
    for (const link of [...run.links]) if (random.chance(0.05)) link.drop();
  }
}

function git(...args) {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).trim();
}

/** Which code ran: the commit, and whether uncommitted changes of the shared tree were built in. */
function treeState(rev) {
  try {
    const commit = git('rev-parse', '--short', rev ?? 'HEAD');
    return { commit, uncommittedFiles: rev ? 0 : git('status', '--porcelain').split('\n').filter(Boolean).length };
  } catch {
    return null;
  }
}

/** `rev`'s files in `dir` (git archive: the repository is only read), with the project's node_modules. */
function exportCommit(rev, dir) {
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive --format=tar "$1" | tar -x -C "$2"`, 'export', rev, dir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function writeJson(json) {
  const dir = join(ROOT, 'test', 'chaos', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  return file;
}
