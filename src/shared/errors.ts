/**
 * The one error shape of SPEC §5: `{"error": {"code", "message"}}`. Every layer throws
 * `ApiError`; the Worker's onError renders it, and executor RPCs carry it across as data.
 */

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  busy: 409,
  gone: 410,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  upstream_error: 502,
  /** A database (a user's shard) cannot be reached right now: retry shortly (SPEC §17). */
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: (typeof ERROR_STATUS)[ErrorCode];
  readonly retryAfterS: number | undefined;

  constructor(code: ErrorCode, message: string, options: { retryAfterS?: number } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.retryAfterS = options.retryAfterS;
  }
}

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`);
export const badRequest = (message: string) => new ApiError('bad_request', message);

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * What an executor RPC answers: a value, or the API error it refused with. Errors cross RPC
 * as data because a thrown Error keeps only its message (and the runtime logs it as uncaught).
 */
export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string; retryAfterS?: number | undefined } };
