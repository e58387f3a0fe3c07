/**
 * The one error shape of SPEC §5: `{"error": {"code", "message"}}`. Handlers throw
 * `ApiError`; `handleError` (the app's onError) renders it and anything else.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

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
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly retryAfterS: number | undefined;

  constructor(code: ErrorCode, message: string, options: { retryAfterS?: number } = {}) {
    super(ERROR_STATUS[code], { message });
    this.code = code;
    this.retryAfterS = options.retryAfterS;
  }
}

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`);
export const badRequest = (message: string) => new ApiError('bad_request', message);

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  429: 'rate_limited',
  502: 'upstream_error',
};

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * What an executor RPC answers: a value, or the API error it refused with. Errors cross RPC
 * as data because a thrown Error keeps only its message (and the runtime logs it as uncaught).
 */
export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string } };

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const code = CODE_BY_STATUS[error.status] ?? (error.status >= 500 ? 'internal' : 'bad_request');
    return new ApiError(code, error.message || 'Request failed');
  }
  return new ApiError('internal', 'Something went wrong on our side');
}

export function handleError(error: unknown, c: Context): Response {
  const apiError = toApiError(error);
  if (apiError.code === 'internal') {
    console.error(
      JSON.stringify({ msg: 'unhandled error', requestId: c.get('requestId'), error: String(error), stack: error instanceof Error ? error.stack : undefined }),
    );
  }
  if (apiError.retryAfterS !== undefined) c.header('Retry-After', String(apiError.retryAfterS));
  return c.json(errorBody(apiError.code, apiError.message), ERROR_STATUS[apiError.code]);
}
