// The benchmark's process plumbing is the project's shared one, plus its own log prefix.
export { freePort, ROOT, runStep, startWrangler, waitUntilUp } from '../../scripts/lib/processes.mjs';

export function log(message) {
  process.stdout.write(`[bench] ${message}\n`);
}
