// Process plumbing for the e2e suite: build, a throwaway D1, the mock model, `wrangler dev`
// and Chromium, each bounded in time and always torn down.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const quietEnv = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };

export function log(message) {
  process.stdout.write(`[e2e] ${message}\n`);
}

/** Run a command to completion with a deadline; throws with its output on failure. */
export function runStep(command, args, { timeoutMs }) {
  const result = spawnSync(command, args, { cwd: ROOT, env: quietEnv, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
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

export function makeTempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'clarity-e2e-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `wrangler dev` in its own process group so that killing it takes workerd down too. */
export function startWrangler({ port, persistTo, vars }) {
  const args = [
    'wrangler',
    'dev',
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
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
  const child = spawn('npx', args, { cwd: ROOT, env: quietEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return {
    child,
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

export async function waitForHealth(baseUrl, { timeoutMs, isAlive }) {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error('wrangler dev exited before it was ready');
    try {
      const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return await res.json();
      lastError = `HTTP ${res.status}`;
    } catch (error) {
      lastError = error.message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`wrangler dev did not become healthy in ${timeoutMs} ms (${lastError})`);
}

/** A tiny sequential runner: every step is bounded, failures are recorded and screenshotted. */
export function createRunner({ stepTimeoutMs, onFailure }) {
  const results = [];
  return {
    results,
    async step(name, fn, { timeoutMs = stepTimeoutMs } = {}) {
      const started = Date.now();
      let timer;
      try {
        await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)))]);
        results.push({ name, ok: true });
        log(`✔ ${name} (${Date.now() - started} ms)`);
      } catch (error) {
        results.push({ name, ok: false, error });
        log(`✘ ${name}: ${error?.stack ?? error}`);
        await onFailure?.(name).catch(() => undefined);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
