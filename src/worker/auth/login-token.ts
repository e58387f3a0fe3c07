/**
 * Login tokens that carry their own signed claims — `ce1.<payload>.<signature>`, the payload
 * `{sid, uid, email, exp}` in base64url JSON, HMAC-SHA256 under AUTH_TOKEN_SECRET — so any
 * isolate verifies a login with no I/O (SPEC §12.1). A signature says who and until when; it
 * cannot say "not logged out since": D1's auth_sessions row is the truth for that, and the
 * executors learn of each logout, so a warm turn needs neither a D1 read nor an isolate cache.
 */
import { base64ToBytes, bytesToBase64Url } from './encoding';

const PREFIX = 'ce1';
const encoder = new TextEncoder();

export interface LoginClaims {
  /** auth_sessions.id */
  sid: string;
  uid: string;
  email: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

export const looksLikeLoginToken = (token: string) => token.startsWith(`${PREFIX}.`);

/** One imported key per secret and isolate: importKey is CPU work, not I/O, but not free either. */
let cachedKey: { secret: string; key: Promise<CryptoKey> } | null = null;

function signingKey(secret: string): Promise<CryptoKey> {
  if (cachedKey?.secret !== secret) {
    cachedKey = { secret, key: crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']) };
  }
  return cachedKey.key;
}

export async function signLoginToken(claims: LoginClaims, secret: string): Promise<string> {
  const body = `${PREFIX}.${bytesToBase64Url(encoder.encode(JSON.stringify(claims)))}`;
  const signature = await crypto.subtle.sign('HMAC', await signingKey(secret), encoder.encode(body));
  return `${body}.${bytesToBase64Url(new Uint8Array(signature))}`;
}

/** The token's claims when its signature is ours and it has not expired, else null. */
export async function verifyLoginToken(token: string, secret: string, now = Date.now()): Promise<LoginClaims | null> {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return null;
  const [, payload, signature] = parts as [string, string, string];
  let claims: unknown;
  try {
    const valid = await crypto.subtle.verify('HMAC', await signingKey(secret), fromBase64Url(signature), encoder.encode(`${PREFIX}.${payload}`));
    if (!valid) return null;
    claims = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)));
  } catch {
    return null;
  }
  if (!isClaims(claims) || claims.exp <= now) return null;
  return claims;
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  return base64ToBytes(text.replace(/-/g, '+').replace(/_/g, '/'));
}

function isClaims(value: unknown): value is LoginClaims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return typeof c.sid === 'string' && typeof c.uid === 'string' && typeof c.email === 'string' && typeof c.exp === 'number';
}
