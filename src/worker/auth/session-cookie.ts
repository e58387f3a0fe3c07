/** The `session` cookie: HttpOnly, SameSite=Lax, Secure everywhere but localhost. */
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { readConfig } from '../../shared/config';
import type { HonoEnv } from '../hono-env';

export const SESSION_COOKIE = 'session';

export function setSessionCookie(c: Context<HonoEnv>, token: string): void {
  const { hostname } = new URL(c.req.url);
  const local = hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: !local,
    path: '/',
    maxAge: Math.floor(readConfig(c.env).authSessionTtlMs / 1000),
  });
}

export function clearSessionCookie(c: Context<HonoEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}
