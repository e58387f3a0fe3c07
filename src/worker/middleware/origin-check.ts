/**
 * CSRF defence for cookie-authenticated writes. hono/csrf only inspects form-like content
 * types, but a cookie can ride along on any cross-site request (sendBeacon, fetch with
 * credentials), so every unsafe request that carries the session cookie and no Bearer token
 * must come from our own origin or one listed in ALLOWED_ORIGINS.
 */
import { createMiddleware } from 'hono/factory';
import { readConfig } from '../../shared/config';
import { ApiError } from '../../shared/errors';
import type { HonoEnv } from '../hono-env';
import { readSessionCookie } from '../auth/session-cookie';
import { bearerToken } from './auth';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isAllowedOrigin(origin: string, requestUrl: string, allowed: readonly string[]): boolean {
  return origin === new URL(requestUrl).origin || allowed.includes(origin);
}

export const originCheck = createMiddleware<HonoEnv>(async (c, next) => {
  const usesCookie = !bearerToken(c.req.header('Authorization')) && readSessionCookie(c) !== undefined;
  if (usesCookie && !SAFE_METHODS.has(c.req.method)) {
    const origin = c.req.header('Origin');
    const site = c.req.header('Sec-Fetch-Site');
    // Browsers send Origin on every cross-origin write; a request without it and without
    // Sec-Fetch-Site is not from a browser page, so no ambient cookie was abused.
    const allowed = origin
      ? isAllowedOrigin(origin, c.req.url, readConfig(c.env).allowedOrigins)
      : site === undefined || site === 'same-origin' || site === 'none';
    if (!allowed) throw new ApiError('forbidden', 'Cross-origin request refused');
  }
  await next();
});
