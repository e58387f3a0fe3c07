// The app under test: `wrangler dev` on loopback over one persist dir, which the chaos driver
// kills with SIGKILL (the whole process group: wrangler and workerd die with no chance to
// flush) and starts again on the same port and storage.
import { startWrangler, waitUntilUp } from '../../../scripts/lib/processes.mjs';

const START_TIMEOUT_MS = 90_000;
const START_ATTEMPTS = 3;

export class AppServer {
  #config;
  #port;
  #persistTo;
  #vars;
  #proc = null;
  /** How long each restart took until /api/health answered, for the report. */
  restartMs = [];
  /** Starts that did not answer in time and were tried again. */
  slowStarts = 0;
  /** The tail of each earlier process's output: the app's error log survives the kills. */
  #previousOutput = [];

  constructor({ config, port, persistTo, vars }) {
    this.#config = config;
    this.#port = port;
    this.#persistTo = persistTo;
    this.#vars = vars;
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  get up() {
    return this.#proc !== null && this.#proc.alive();
  }

  async start() {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (this.#proc) this.#previousOutput.push(this.#proc.output());
      this.#proc = startWrangler({ config: this.#config, port: this.#port, persistTo: this.#persistTo, vars: this.#vars, name: 'wrangler dev (chaos)' });
      try {
        await waitUntilUp(this.#proc, '/api/health', { timeoutMs: START_TIMEOUT_MS });
        return Date.now() - started;
      } catch (error) {
        // A start can stall on a box other work is crushing: kill that one and start again, a few times.
        if (attempt >= START_ATTEMPTS) throw error;
        this.slowStarts += 1;
        await this.kill();
      }
    }
  }

  /** SIGKILL to the process group, then wait for the exit: nothing of the app runs after this. */
  async kill() {
    const proc = this.#proc;
    if (!proc?.alive()) return;
    const exited = new Promise((resolve) => proc.child.once('exit', resolve));
    try {
      process.kill(-proc.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
  }

  async restart() {
    await this.kill();
    const ms = await this.start();
    this.restartMs.push(ms);
    return ms;
  }

  /** The app's logged errors (scrubbed by the app, SPEC §13), by message, over every process of the run. */
  loggedErrors() {
    const byMessage = {};
    for (const text of [...this.#previousOutput, this.#proc?.output() ?? '']) {
      for (const line of text.split('\n')) {
        const msg = /"msg":"([^"]+)"/.exec(line)?.[1];
        if (!msg) continue;
        byMessage[msg] ??= { count: 0, examples: [] };
        byMessage[msg].count += 1;
        // eslint-disable-next-line no-control-regex -- wrangler colours its log lines
        if (byMessage[msg].examples.length < 2) byMessage[msg].examples.push(line.replace(/\x1b\[[0-9;]*m/g, '').slice(0, 800));
      }
    }
    return byMessage;
  }

  async stop() {
    await this.#proc?.stop();
  }
}
