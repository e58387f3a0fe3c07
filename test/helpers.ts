/** Drives the real Worker the way a client would: HTTP in, JSON out. */
import { exports } from 'cloudflare:workers';

export const ORIGIN = 'http://localhost';

export interface Caller {
  userId: string;
  email: string;
  token: string;
  /** A unique client IP, so login rate limits of different tests never meet. */
  ip: string;
}

export interface RequestOptions {
  caller?: Caller | undefined;
  /** Authenticate with the session cookie instead of the Bearer token. */
  cookie?: boolean;
  body?: unknown;
  rawBody?: BodyInit;
  headers?: Record<string, string>;
  origin?: string | null;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${crypto.randomUUID()}@example.com`;
}

export async function call(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  const { caller } = options;
  if (caller) {
    if (options.cookie) headers.set('Cookie', `session=${caller.token}`);
    else headers.set('Authorization', `Bearer ${caller.token}`);
    if (!headers.has('CF-Connecting-IP')) headers.set('CF-Connecting-IP', caller.ip);
  }
  const origin = options.origin === undefined ? ORIGIN : options.origin;
  if (origin !== null) headers.set('Origin', origin);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(options.body);
  }
  return exports.default.fetch(new Request(`${ORIGIN}/api${path}`, { method, headers, body }));
}

export async function json<T = any>(response: Response): Promise<T> {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`expected JSON, got ${response.status}: ${text.slice(0, 200)}`);
  }
}

/** Calls and parses, failing loudly on an unexpected status. */
export async function expectStatus<T = any>(status: number, method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await call(method, path, options);
  if (response.status !== status) {
    throw new Error(`${method} ${path}: expected ${status}, got ${response.status}: ${await response.text()}`);
  }
  return response.status === 204 ? (undefined as T) : json<T>(response);
}

export async function signUp(prefix = 'user'): Promise<Caller> {
  const email = uniqueEmail(prefix);
  const ip = `10.${rand()}.${rand()}.${rand()}`;
  const body = await expectStatus<{ user: { id: string }; token: string }>(201, 'POST', '/auth/signup', { body: { email, password: 'correct horse battery' }, headers: { 'CF-Connecting-IP': ip } });
  return { userId: body.user.id, email, token: body.token, ip };
}

function rand(): number {
  return Math.floor(Math.random() * 250) + 1;
}

/** The error body every 4xx/5xx must have. */
export async function expectError(response: Response, status: number, code: string): Promise<string> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status} ${code}, got ${response.status}: ${text}`);
  const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
  if (body.error?.code !== code || typeof body.error.message !== 'string' || !body.error.message) {
    throw new Error(`expected error code ${code}, got ${text}`);
  }
  return body.error.message;
}
