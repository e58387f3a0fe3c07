// Process plumbing for the e2e suite: build, a throwaway D1, the mock model, `wrangler dev`
// and Chromium, each bounded in time and always torn down.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../scripts/lib/processes.mjs';

export { createTeardown, freePort, ROOT, runStep, startWrangler } from '../scripts/lib/processes.mjs';
export { applyD1Migrations, shardBindings } from '../scripts/lib/d1-migrations.mjs';
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

export function log(message) {
  process.stdout.write(`[e2e] ${message}\n`);
}

export function makeTempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'clarity-e2e-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
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
