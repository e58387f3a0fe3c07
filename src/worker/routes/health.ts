import { Hono } from 'hono';
import { readConfig } from '../config';
import type { HonoEnv } from '../hono-env';
import { APP_VERSION } from '../version';

export const healthRoutes = new Hono<HonoEnv>().get('/', (c) => c.json({ ok: true as const, version: APP_VERSION, demoMode: readConfig(c.env).demoMode }));
