/**
 * The login cookie: HttpOnly, SameSite=Lax, Path=/. Over HTTPS it is `__Host-session`: the
 * browser then insists on Secure, Path=/ and no Domain, so a sibling subdomain or a plain-HTTP
 * page cannot plant or overwrite it (SPEC §13). On localhost, where there is no HTTPS, it is
 * plain `session`. Each host reads only its own name: accepting `session` over HTTPS would let
 * a planted cookie in again.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { readConfig } from '../../shared/config';
import type { HonoEnv } from '../hono-env';

const NAME = 'session';
export const SECURE_SESSION_COOKIE = `__Host-${NAME}`;
export const LOCAL_SESSION_COOKIE = NAME;

/** Requests whose response cleared the cookie: nothing later in them may set it again. */
const cleared = new WeakSet<Request>();

function isLocal(c: Context): boolean {
  const { hostname } = new URL(c.req.url);
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** The login token the browser sent, under the name this host uses. */
export function readSessionCookie(c: Context): string | undefined {
  return isLocal(c) ? getCookie(c, LOCAL_SESSION_COOKIE) : getCookie(c, NAME, 'host');
}

export function setSessionCookie(c: Context<HonoEnv>, token: string): void {
  // A logout's clearing is final: a slid login must not put the cookie back (SPEC §13).
  if (cleared.has(c.req.raw)) return;
  const maxAge = Math.floor(readConfig(c.env).authSessionTtlMs / 1000);
  if (isLocal(c)) setCookie(c, LOCAL_SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Lax', secure: false, path: '/', maxAge });
  else setCookie(c, NAME, token, { prefix: 'host', httpOnly: true, sameSite: 'Lax', secure: true, path: '/', maxAge });
}

export function clearSessionCookie(c: Context<HonoEnv>): void {
  cleared.add(c.req.raw);
  if (isLocal(c)) deleteCookie(c, LOCAL_SESSION_COOKIE, { path: '/' });
  else {
    deleteCookie(c, NAME, { prefix: 'host', path: '/', secure: true });
    // The name used before `__Host-`: a browser that still holds it should drop it too.
    deleteCookie(c, LOCAL_SESSION_COOKIE, { path: '/', secure: true });
  }
}
