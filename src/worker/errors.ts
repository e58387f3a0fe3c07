/** The app's onError: every failure, Hono's own HTTPExceptions included, in the one error shape. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ApiError, errorBody } from '../shared/errors';
import type { ErrorCode } from '../shared/errors';
import { logError } from '../shared/safe-log';
import { DATABASE_UNAVAILABLE, isUnreachableDatabase } from '../db/shards';

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
  503: 'unavailable',
};

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const code = CODE_BY_STATUS[error.status] ?? (error.status >= 500 ? 'internal' : 'bad_request');
    return new ApiError(code, error.message || 'Request failed');
  }
  // A shard that cannot be reached fails its own users only, and says so (SPEC §17).
  if (isUnreachableDatabase(error)) return new ApiError('unavailable', DATABASE_UNAVAILABLE);
  return new ApiError('internal', 'Something went wrong on our side');
}

export function handleError(error: unknown, c: Context): Response {
  const apiError = toApiError(error);
  // Scrubbed: a D1 error's message carries the failed query's parameters (SPEC §13).
  if (apiError.code === 'internal') logError('unhandled error', error, { requestId: c.get('requestId') });
  if (apiError.code === 'unavailable') logError('database unavailable', error, { requestId: c.get('requestId') });
  if (apiError.retryAfterS !== undefined) c.header('Retry-After', String(apiError.retryAfterS));
  return c.json(errorBody(apiError.code, apiError.message), apiError.status);
}
