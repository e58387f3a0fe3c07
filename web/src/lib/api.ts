/**
 * The typed API client (`hc<AppType>`) and the one way to call it: `call()` answers the success
 * body or throws an `ApiError` carrying the server's `{error:{code,message}}`.
 */
import { hc } from 'hono/client';
import type { ClientResponse, InferRequestType, parseResponse } from 'hono/client';
import type { AppType } from '../../../src/worker/app';

export const api = hc<AppType>('/api', { init: { credentials: 'same-origin' } });

/** The server's agent names, as its path validator types them. */
export type AgentName = InferRequestType<(typeof api.agents)[':agent']['instructions']['$get']>['param']['agent'];

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfterS: number | null;

  constructor(status: number, code: string, message: string, retryAfterS: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterS = retryAfterS;
  }
}

const unauthorizedListeners = new Set<() => void>();

/** Called whenever a request answers 401, so the auth store can ask the user to sign in again. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export async function errorFromResponse(res: Response): Promise<ApiError> {
  let code = res.status === 401 ? 'unauthorized' : 'internal';
  let message = res.statusText || `Request failed (${res.status})`;
  try {
    const body: unknown = await res.json();
    const error = typeof body === 'object' && body !== null && 'error' in body ? (body as { error: unknown }).error : null;
    if (typeof error === 'object' && error !== null) {
      const e = error as { code?: unknown; message?: unknown };
      if (typeof e.code === 'string') code = e.code;
      if (typeof e.message === 'string') message = e.message;
    }
  } catch {
    // Not our JSON (a proxy's HTML page): keep the status text.
  }
  const retryAfter = Number(res.headers.get('Retry-After'));
  return new ApiError(res.status, code, message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
}

export const networkError = () => new ApiError(0, 'network', "Can't reach Clarity. Check your connection and try again.");

type Success<T extends ClientResponse<unknown>> = Awaited<ReturnType<typeof parseResponse<T>>>;

/** Await an `api.…` request: the typed success body, or a thrown ApiError. */
export async function call<T extends ClientResponse<unknown>>(request: Promise<T>, options: { quiet401?: boolean } = {}): Promise<Success<T>> {
  let res: T;
  try {
    res = await request;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw networkError();
  }
  if (!res.ok) {
    const error = await errorFromResponse(res as unknown as Response);
    if (error.status === 401 && !options.quiet401) for (const listener of unauthorizedListeners) listener();
    throw error;
  }
  if (res.status === 204) return undefined as Success<T>;
  return (await res.json()) as Success<T>;
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/** One id per tab for SPEC §3 (refresh reuses the tab's session); sessionStorage is per tab. */
export function clientInstanceId(): string {
  const KEY = 'clarity:client-instance-id';
  try {
    const existing = sessionStorage.getItem(KEY);
    if (existing) return existing;
    const id = crypto.randomUUID();
    sessionStorage.setItem(KEY, id);
    return id;
  } catch {
    return crypto.randomUUID();
  }
}
