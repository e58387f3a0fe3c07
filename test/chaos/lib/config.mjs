// The soak's knobs, each from its environment variable, and the app vars it runs wrangler dev
// with. Every number the run depends on is here, so a shorter CI run and a longer local one
// differ only in the environment.
import { randomInt } from 'node:crypto';

function number(name, fallback, { min = 0, integer = true } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${raw}"`);
  return n;
}

export function readChaosConfig() {
  const seed = process.env.CHAOS_SEED ? number('CHAOS_SEED', 0) >>> 0 : randomInt(2 ** 32 - 1);
  const app = {
    // Short lifecycle numbers so a few minutes hold many expiries, evictions and alarm cycles.
    sessionTtlS: number('CHAOS_SESSION_TTL_S', 20, { min: 2 }),
    heartbeatIntervalS: number('CHAOS_HEARTBEAT_INTERVAL_S', 5, { min: 1 }),
    heartbeatPersistS: number('CHAOS_HEARTBEAT_PERSIST_S', 15, { min: 1 }),
    executorIdleTtlS: number('CHAOS_EXECUTOR_IDLE_TTL_S', 8, { min: 1 }),
    // A hung model ends in 3 attempts × this (the SDK retries twice), not in minutes.
    openaiTimeoutMs: number('CHAOS_OPENAI_TIMEOUT_MS', 3000, { min: 100 }),
    // High on purpose: the soak is about faults, not the turn limit; clients still honour a 429.
    turnsPerMinute: number('CHAOS_TURNS_PER_MINUTE', 600, { min: 1 }),
  };
  return {
    seed,
    durationS: number('CHAOS_DURATION_S', 300, { min: 5 }),
    users: number('CHAOS_USERS', 100, { min: 1 }),
    killMinS: number('CHAOS_KILL_MIN_S', 10, { min: 1 }),
    killMaxS: number('CHAOS_KILL_MAX_S', 30, { min: 1 }),
    /** Share of turns that carry a model fault marker (500, transient 500, 429, hang, cut, malformed, slow start). */
    faultShare: number('CHAOS_FAULT_SHARE', 0.2, { integer: false }),
    /** Share of turns whose client drops the stream mid-reply. */
    dropShare: number('CHAOS_DROP_SHARE', 0.1, { integer: false }),
    /** Share of users who keep two tabs on one chat. */
    twoTabShare: number('CHAOS_TWO_TAB_SHARE', 0.3, { integer: false }),
    /** Share of tabs with a live socket (the rest beat over HTTP). */
    socketShare: number('CHAOS_SOCKET_SHARE', 0.6, { integer: false }),
    /** Mean pause between one user's actions. */
    thinkMs: number('CHAOS_THINK_MS', 3000, { min: 0 }),
    /** Mock model: delay between streamed chunks. */
    tokenDelayMs: number('CHAOS_TOKEN_DELAY_MS', 8),
    keepDir: process.env.CHAOS_KEEP === '1',
    /** Build this commit (git archive) instead of the working tree. */
    rev: process.env.CHAOS_REV || null,
    /** Build this directory (a copy of the project) instead. */
    sourceDir: process.env.CHAOS_SOURCE_DIR || null,
    app,
  };
}

/** The wrangler vars of the soak (SPEC §8 names). */
export function appVars(config, modelUrl) {
  const { app } = config;
  return {
    OPENAI_BASE_URL: modelUrl,
    OPENAI_TIMEOUT_MS: String(app.openaiTimeoutMs),
    SESSION_TTL_S: String(app.sessionTtlS),
    HEARTBEAT_INTERVAL_S: String(app.heartbeatIntervalS),
    HEARTBEAT_PERSIST_S: String(app.heartbeatPersistS),
    EXECUTOR_IDLE_TTL_S: String(app.executorIdleTtlS),
    TURNS_PER_MINUTE: String(app.turnsPerMinute),
    // Every simulated user signs up from loopback, one address.
    SIGNUPS_PER_HOUR: String(Math.max(20, config.users * 2)),
  };
}
