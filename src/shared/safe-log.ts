/**
 * What an error may say in a log (SPEC §13): never a password, a password hash, a token or
 * message contents. Errors carry them more often than one would think: Drizzle puts a failed
 * query's SQL and every bound parameter (a password hash, a message's text) in its message,
 * V8 quotes the input in JSON parse errors, and a stack starts with the message again. So a
 * log keeps an error's class, the scrubbed first line of its message, its stack frames and
 * its cause, likewise scrubbed — never the raw text.
 */

export interface SafeError {
  name: string;
  message: string;
  frames?: string[];
  cause?: SafeError;
}

const MAX_MESSAGE_CHARS = 200;
const MAX_FRAMES = 8;
const MAX_CAUSE_DEPTH = 2;

const SCRUBBERS: [RegExp, string][] = [
  // Drizzle: "Failed query: <sql>\nparams: <every bound value>".
  [/^Failed query:[\s\S]*$/, 'Failed query (SQL and parameters withheld)'],
  [/\bparams:[\s\S]*$/i, 'params withheld'],
  [/pbkdf2-[\w$+/=.-]*/gi, '[hash]'],
  // Login tokens (ce1.<claims>.<signature>), JWTs and Authorization headers.
  [/\bce1\.[\w-]+(\.[\w-]+)?/g, '[token]'],
  [/\beyJ[\w-]*\.[\w-]*(\.[\w-]*)?/g, '[token]'],
  [/\bBearer\s+\S+/gi, 'Bearer [token]'],
  // Quoted text longer than a word is input echoed back (JSON parse errors, SQL literals).
  [/"[^"\n]{12,}"|'[^'\n]{12,}'|`[^`\n]{12,}`/g, '"…"'],
  // Long base64/hex runs: keys, hashes, signatures.
  [/[A-Za-z0-9+/_-]{40,}={0,2}/g, '[redacted]'],
];

export function scrubText(text: string): string {
  let scrubbed = text;
  for (const [pattern, replacement] of SCRUBBERS) scrubbed = scrubbed.replace(pattern, replacement);
  const firstLine = scrubbed.split('\n', 1)[0] ?? '';
  return firstLine.length > MAX_MESSAGE_CHARS ? `${firstLine.slice(0, MAX_MESSAGE_CHARS)}…` : firstLine;
}

/** The loggable description of anything thrown. */
export function safeError(error: unknown, depth = 0): SafeError {
  if (!(error instanceof Error)) return { name: typeof error, message: typeof error === 'string' ? scrubText(error) : '(not an Error)' };
  // Frames name code, not data: kept as they are (the message line they follow is dropped).
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, MAX_FRAMES)
    .map((line) => line.trim());
  const safe: SafeError = { name: error.name, message: scrubText(error.message) };
  if (frames.length) safe.frames = frames;
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    const cause = safeError(error.cause, depth + 1);
    // An error rebuilt after crossing RPC gives its causes the same frames again.
    if (cause.frames?.join() === frames.join()) delete cause.frames;
    safe.cause = cause;
  }
  return safe;
}

/** One JSON log line for a failure: its label, context fields, and the safe error. */
export function logError(msg: string, error: unknown, fields: Record<string, string | number | null | undefined> = {}): void {
  console.error(JSON.stringify({ msg, ...fields, error: safeError(error) }));
}

/**
 * The same error, its message, stack and cause scrubbed in place: for an error that travels
 * on (rethrown across RPC, where the runtime logs it as uncaught) rather than being logged here.
 */
export function scrubbed(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? scrubText(error) : error;
  const safe = safeError(error);
  try {
    error.message = safe.message;
    error.stack = [`${safe.name}: ${safe.message}`, ...(safe.frames ?? []).map((f) => `    ${f}`)].join('\n');
    if (error.cause !== undefined) error.cause = depth < MAX_CAUSE_DEPTH ? scrubbed(error.cause, depth + 1) : undefined;
  } catch {
    // A frozen error cannot be scrubbed, so it does not travel on: a plain one does instead.
    return new Error(safe.message);
  }
  return error;
}
