/**
 * CORS for the browser origins listed in ALLOWED_ORIGINS (SPEC §5), with credentials so their
 * cookie works; the same list passes the Origin check. No list, no CORS headers at all.
 */
import { D1_BOOKMARK_HEADER } from '../../shared/api';
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import { readConfig } from '../../shared/config';
import type { HonoEnv } from '../hono-env';

export const allowedCors = createMiddleware<HonoEnv>(async (c, next) => {
  const allowed = readConfig(c.env).allowedOrigins;
  if (allowed.length === 0) return next();
  return cors({
    origin: (origin) => (allowed.includes(origin) ? origin : null),
    credentials: true,
    allowHeaders: ['Content-Type', 'Authorization', 'Accept', D1_BOOKMARK_HEADER],
    // The client reads the bookmark of its last request to send it back (SPEC §17).
    exposeHeaders: [D1_BOOKMARK_HEADER],
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    maxAge: 600,
  })(c, next);
});
