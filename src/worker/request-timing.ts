/**
 * The Worker's part of a request's timing: when it arrived, its stages so far, and the D1
 * statements it issued — handed to the executor with a turn (SPEC §12.4) and sent back in a
 * standard `Server-Timing` header.
 */
import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import type { Db } from '../db/client';
import { directoryDb as openDirectory } from '../db/shards';
import type { TimingStage } from '../shared/protocol';
import type { HonoEnv } from './hono-env';

export class RequestTiming {
  readonly arrivedAt = Date.now();
  readonly stages: TimingStage[] = [];
  d1Statements = 0;
  #last = this.arrivedAt;

  mark(name: string, at = Date.now()): void {
    this.stages.push({ name, ms: Math.max(0, at - this.#last) });
    this.#last = Math.max(this.#last, at);
  }

  /** `Server-Timing: auth;dur=0.4, route;dur=0.1, …` */
  header(): string {
    return this.stages.map((s) => `${s.name};dur=${s.ms}`).join(', ');
  }
}

export const requestTiming = createMiddleware<HonoEnv>(async (c, next) => {
  const timing = new RequestTiming();
  c.set('timing', timing);
  await next();
  // Every response says how many D1 statements the Worker issued for it: docs/CAPACITY.md is
  // computed from these counts. (A turn's executor-side statements are its own, in its timings.)
  c.res.headers.append('Server-Timing', `d1;desc=${timing.d1Statements}`);
});

/** Drizzle over the directory database (SPEC §17), counting statements into the request's timing. */
export function directoryDb(c: Context<HonoEnv>): Db {
  return openDirectory(c.env, c.get('timing'));
}
