/**
 * Typed view of the wrangler vars (SPEC §8). Every lifecycle number is a var so tests and
 * deployments set their own.
 */
export interface AppEnv extends Env {
  /** Secret. Unset → demo mode against the built-in mock model. */
  OPENAI_API_KEY?: string;
  /** Secret. Set → HS256 JWTs (audience `authenticated`) are accepted as Bearer tokens. */
  AUTH_JWT_SECRET?: string;
  /** Secret. Signs login tokens (`npm run dev` generates one into .dev.vars). */
  AUTH_TOKEN_SECRET?: string;
}

export interface AppConfig {
  openaiBaseUrl: string;
  openaiModel: string;
  openaiTimeoutMs: number;
  demoMode: boolean;
  heartbeatIntervalMs: number;
  heartbeatPersistMs: number;
  sessionTtlMs: number;
  executorIdleTtlMs: number;
  historyWindow: number;
  historyTokenBudget: number;
  maxToolRounds: number;
  /** The model-written chat title (SPEC §4.7): a short, cheap request. */
  titleMaxTokens: number;
  memoryLimit: number;
  memoryPromptLimit: number;
  maxMessageChars: number;
  maxInstructionsChars: number;
  turnsPerMinute: number;
  authSessionTtlMs: number;
  allowedOrigins: string[];
  /** Abuse limits and per-user caps (SPEC §13, docs/SECURITY.md). */
  signupsPerHour: number;
  loginAttemptsPerHourEmailIp: number;
  loginAttemptsPerHourEmail: number;
  loginAttemptsPerHourIp: number;
  jwtIssuer: string | null;
  maxChatsPerUser: number;
  maxTasksPerUser: number;
  /** Per user and agent: the executor that counts them is per (user, agent). */
  maxActiveSessions: number;
  maxSocketsPerChat: number;
  maxToolCallsPerRound: number;
  /** The largest import file accepted (SPEC §15); every other request keeps the 64 KiB limit. */
  importMaxBytes: number;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
}

/** Parsed on each call: a handful of Number() calls, and vars changed at runtime are honoured. */
export function readConfig(env: AppEnv): AppConfig {
  return {
    openaiBaseUrl: env.OPENAI_BASE_URL || 'http://127.0.0.1:8790/v1',
    openaiModel: env.OPENAI_MODEL || 'mock-model',
    openaiTimeoutMs: positiveInt(env.OPENAI_TIMEOUT_MS, 30_000),
    demoMode: !env.OPENAI_API_KEY,
    heartbeatIntervalMs: positiveInt(env.HEARTBEAT_INTERVAL_S, 60) * 1000,
    heartbeatPersistMs: positiveInt(env.HEARTBEAT_PERSIST_S, 300) * 1000,
    sessionTtlMs: positiveInt(env.SESSION_TTL_S, 180) * 1000,
    executorIdleTtlMs: positiveInt(env.EXECUTOR_IDLE_TTL_S, 300) * 1000,
    historyWindow: positiveInt(env.HISTORY_WINDOW, 40),
    historyTokenBudget: positiveInt(env.HISTORY_TOKEN_BUDGET, 6000),
    maxToolRounds: positiveInt(env.MAX_TOOL_ROUNDS, 5),
    titleMaxTokens: positiveInt(env.TITLE_MAX_TOKENS, 24),
    memoryLimit: positiveInt(env.MEMORY_LIMIT, 200),
    memoryPromptLimit: positiveInt(env.MEMORY_PROMPT_LIMIT, 20),
    maxMessageChars: positiveInt(env.MAX_MESSAGE_CHARS, 16_000),
    maxInstructionsChars: positiveInt(env.MAX_INSTRUCTIONS_CHARS, 8000),
    turnsPerMinute: positiveInt(env.TURNS_PER_MINUTE, 20),
    authSessionTtlMs: positiveInt(env.AUTH_SESSION_TTL_S, 30 * 24 * 3600) * 1000,
    allowedOrigins: (env.ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    signupsPerHour: positiveInt(env.SIGNUPS_PER_HOUR, 20),
    loginAttemptsPerHourEmailIp: positiveInt(env.LOGIN_ATTEMPTS_PER_HOUR_EMAIL_IP, 20),
    loginAttemptsPerHourEmail: positiveInt(env.LOGIN_ATTEMPTS_PER_HOUR_EMAIL, 200),
    loginAttemptsPerHourIp: positiveInt(env.LOGIN_ATTEMPTS_PER_HOUR_IP, 200),
    jwtIssuer: env.AUTH_JWT_ISSUER?.trim() || null,
    maxChatsPerUser: positiveInt(env.MAX_CHATS_PER_USER, 1000),
    maxTasksPerUser: positiveInt(env.MAX_TASKS_PER_USER, 2000),
    maxActiveSessions: positiveInt(env.MAX_ACTIVE_SESSIONS, 50),
    maxSocketsPerChat: positiveInt(env.MAX_SOCKETS_PER_CHAT, 20),
    maxToolCallsPerRound: positiveInt(env.MAX_TOOL_CALLS_PER_ROUND, 8),
    importMaxBytes: positiveInt(env.IMPORT_MAX_BYTES, 20 * 1024 * 1024),
  };
}
