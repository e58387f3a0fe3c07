/**
 * Sign-up and login limits (SPEC §13), counted exactly by RateLimiter objects in a sliding
 * hour, each limit from its var:
 * - sign-ups per client IP (SIGNUPS_PER_HOUR), which also slows the duplicate-email 409;
 * - login attempts per (email, client IP), so failing on purpose from one place never locks
 *   the owner out from another, under a generous per-email ceiling that only many places
 *   together can reach, and a per-IP ceiling against one place trying many emails.
 * Every attempt that passes validation counts, successful or not: a parallel burst cannot
 * slip through between a check and its failure.
 */
import type { Context } from 'hono';
import { readConfig } from '../../shared/config';
import { ApiError } from '../../shared/errors';
import type { LimitRule } from '../../objects/rate-limiter';
import { clientIp } from '../client-ip';
import type { HonoEnv } from '../hono-env';

const WINDOW_MS = 60 * 60 * 1000;
/** A counter of every attempt under a key, whatever its IP. */
const ALL = '*';

/** Object names are hashes: emails and IPs stay out of the platform's object listings. */
async function objectName(kind: string, value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${kind}\n${value}`));
  return `${kind}:${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

async function take(c: Context<HonoEnv>, kind: string, value: string, rules: LimitRule[], what: string): Promise<void> {
  const limiter = c.env.RATE_LIMITER.getByName(await objectName(kind, value));
  const result = await limiter.take(rules, WINDOW_MS);
  if (!result.ok) {
    const minutes = Math.ceil(result.retryAfterS / 60);
    throw new ApiError('rate_limited', `Too many ${what}; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`, { retryAfterS: result.retryAfterS });
  }
}

export async function limitSignup(c: Context<HonoEnv>): Promise<void> {
  await take(c, 'signup-ip', clientIp(c), [{ scope: ALL, limit: readConfig(c.env).signupsPerHour }], 'sign-ups from this network');
}

export async function limitLogin(c: Context<HonoEnv>, email: string): Promise<void> {
  const config = readConfig(c.env);
  const ip = clientIp(c);
  await Promise.all([
    take(
      c,
      'login-email',
      email,
      [
        { scope: ip, limit: config.loginAttemptsPerHourEmailIp },
        { scope: ALL, limit: config.loginAttemptsPerHourEmail },
      ],
      'sign-in attempts',
    ),
    take(c, 'login-ip', ip, [{ scope: ALL, limit: config.loginAttemptsPerHourIp }], 'sign-in attempts from this network'),
  ]);
}
