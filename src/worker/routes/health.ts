import { Hono } from 'hono';
import { readConfig } from '../../shared/config';
import type { HonoEnv } from '../hono-env';
import { APP_VERSION } from '../version';

export const healthRoutes = new Hono<HonoEnv>().get('/', (c) => {
  const config = readConfig(c.env);
  return c.json({ ok: true as const, version: APP_VERSION, demoMode: config.demoMode, heartbeatIntervalS: config.heartbeatIntervalMs / 1000 });
});
