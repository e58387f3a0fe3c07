// Process plumbing shared by the e2e suite, the fault suite and the benchmark: bounded child
// processes in their own process groups, so stopping one takes its workerd down too and nothing
// outlives the run.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const quietEnv = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };

/** Runs a command to completion with a deadline; throws with its output on failure. */
export function runStep(command, args, { timeoutMs, cwd = ROOT }) {
  const result = spawnSync(command, args, { cwd, env: quietEnv, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const HARNESS_TOKEN_SECRET = randomBytes(32).toString('hex');

/** `wrangler dev` (of `config`, or the project's wrangler.toml) on loopback, in its own process group. */
export function startWrangler({ config, port, persistTo, vars = {}, name = 'wrangler dev' }) {
  const args = [
    'wrangler',
    'dev',
    ...(config ? ['--config', config] : []),
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    persistTo,
    '--show-interactive-dev-session=false',
    '--log-level',
    'warn',
  ];
  // Logins are signed: one secret per harness process, so tokens survive a restart of wrangler dev.
  for (const [key, value] of Object.entries({ AUTH_TOKEN_SECRET: HARNESS_TOKEN_SECRET, ...vars })) args.push('--var', `${key}:${value}`);
  const child = spawn('npx', args, { cwd: ROOT, env: quietEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return {
    name,
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    alive: () => child.exitCode === null && child.signalCode === null,
    output: () => output,
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
          resolve();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          // workerd may linger a moment after wrangler: make sure the whole group is gone.
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
          resolve();
        });
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          clearTimeout(timer);
          resolve();
        }
      });
    },
  };
}

/** Polls `url` until it answers 2xx (any method the caller gives), bounded in time. */
export async function waitUntilUp(server, path, { timeoutMs, init }) {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (!server.alive()) throw new Error(`${server.name} exited before it was ready:\n${server.output()}`);
    try {
      const res = await fetch(`${server.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      if (res.ok) return;
      lastError = `HTTP ${res.status}`;
    } catch (error) {
      lastError = error.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${server.name} did not come up in ${timeoutMs} ms (${lastError}):\n${server.output()}`);
}

/**
 * Teardown for a run: steps run last-in-first-out when `run()` is called, on SIGINT/SIGTERM,
 * and when the run overstays `deadlineMs` (then the process exits 2), so no server outlives it.
 */
export function createTeardown({ log, deadlineMs, deadlineMessage }) {
  const steps = [];
  async function run() {
    while (steps.length) {
      const step = steps.pop();
      try {
        await step();
      } catch (error) {
        log(`cleanup: ${error.message}`);
      }
    }
  }
  const deadline = setTimeout(() => {
    log(deadlineMessage);
    void run().finally(() => process.exit(2));
  }, deadlineMs);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void run().finally(() => process.exit(130)));
  return {
    add: (step) => void steps.push(step),
    run,
    /** The run finished in time: the deadline no longer applies. */
    disarm: () => clearTimeout(deadline),
  };
}
