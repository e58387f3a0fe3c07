/**
 * The client's IP, as the limits of SPEC §13 count it. In production Cloudflare sets
 * `CF-Connecting-IP` on every request and overwrites any value a client sent, so it cannot be
 * forged from outside. `wrangler dev` sets it to the loopback address; the tests set it
 * themselves. docs/SECURITY.md says what that means for each.
 */
import type { Context } from 'hono';

/** Requests without the header (only possible off the platform) share one bucket. */
export const UNKNOWN_IP = 'unknown';
/** An address is at most 45 characters; anything longer is not one. */
const MAX_IP_CHARS = 45;

export function clientIp(c: Context): string {
  const raw = c.req.header('CF-Connecting-IP')?.trim().toLowerCase();
  if (!raw || raw.length > MAX_IP_CHARS) return UNKNOWN_IP;
  const mappedV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(raw)?.[1];
  if (mappedV4) return mappedV4;
  return raw.includes(':') ? (ipv6Network(raw) ?? raw) : raw;
}

/**
 * An IPv6 client usually holds a whole /64 and can rotate through it at will, so it is
 * counted by its /64 network: `2001:db8:0:1::/64`. Null when the text is not a plain IPv6
 * address (the caller then counts the text as it is).
 */
export function ipv6Network(ip: string): string | null {
  const halves = ip.split('::');
  if (halves.length > 2) return null;
  const groups = (text: string | undefined) => (text ? text.split(':') : []);
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const full = [...head, ...Array<string>(missing).fill('0'), ...tail];
  if (!full.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return `${full
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
