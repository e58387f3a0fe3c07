// The benchmark's process plumbing is the project's shared one, plus its own log prefix.
export { createTeardown, freePort, ROOT, runStep, startWrangler, waitUntilUp } from '../../scripts/lib/processes.mjs';

export function log(message) {
  process.stdout.write(`[bench] ${message}\n`);
}
