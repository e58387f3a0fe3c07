/**
 * Bring-your-own identity: HS256 JWTs with audience `authenticated`, an `exp`, the user id in
 * `sub` and, when AUTH_JWT_ISSUER is set, that `iss` — as Supabase issues them. The user row
 * is created the first time a subject is seen.
 */
import { verify } from 'hono/jwt';
import type { Db } from '../../db/client';
import { findUserEmail, insertUserIfAbsent } from '../../db/auth';
import { UNMATCHABLE_HASH } from './password';

const JWT_AUDIENCE = 'authenticated';
// A JWT's header is base64url JSON, so it starts `eyJ` (`{"`); a login token (`ce1.…`) never does.
const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/;

export const looksLikeJwt = (token: string) => JWT_SHAPE.test(token);

export interface JwtUser {
  userId: string;
  email: string;
  /** The shard holding the user's data (SPEC §17). */
  shard: number;
  /** When the JWT expires (ms since the epoch). */
  expiresAt: number;
}

/**
 * Returns the caller, or null for a bad signature or algorithm, a missing or past `exp`, a
 * wrong `aud`, a wrong or missing `iss` when an issuer is configured, or a bad subject. A
 * token without `exp` would be valid forever, and nothing here can revoke it (SPEC §13).
 */
export async function verifyJwtUser(db: Db, shards: number, token: string, secret: string, issuer: string | null): Promise<JwtUser | null> {
  let payload: Record<string, unknown>;
  try {
    payload = await verify(token, secret, { alg: 'HS256', aud: JWT_AUDIENCE, ...(issuer ? { iss: issuer } : {}) });
  } catch {
    return null;
  }
  // verify() checks `exp` only when present.
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) return null;
  const sub = payload.sub;
  if (typeof sub !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(sub)) return null;
  const user = await findOrCreateJwtUser(db, shards, sub, typeof payload.email === 'string' ? payload.email.toLowerCase() : null);
  return { ...user, expiresAt: payload.exp * 1000 };
}

async function findOrCreateJwtUser(db: Db, shards: number, userId: string, email: string | null): Promise<Omit<JwtUser, 'expiresAt'>> {
  const existing = await findUserEmail(db, userId);
  if (existing) return { userId, ...existing };
  // An email already taken by a password account must not merge identities: fall back to a
  // per-subject placeholder that can never collide.
  const candidates = email ? [email, `${userId}@jwt.invalid`] : [`${userId}@jwt.invalid`];
  for (const candidate of candidates) {
    const shard = await insertUserIfAbsent(db, { id: userId, email: candidate, passwordHash: UNMATCHABLE_HASH, createdAt: Date.now() }, shards);
    if (shard !== null) return { userId, email: candidate, shard };
    const raced = await findUserEmail(db, userId);
    if (raced) return { userId, ...raced };
  }
  throw new Error('could not create the JWT user');
}
