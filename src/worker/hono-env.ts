import type { RequestIdVariables } from 'hono/request-id';
import type { AppEnv } from '../shared/config';
import type { RequestTiming } from './request-timing';
import type { UserDatabase } from './user-db';

/** Who is calling, as resolved by the auth middleware. */
export interface Auth {
  userId: string;
  email: string;
  /** auth_sessions.id of a login; null for a JWT caller. */
  authSessionId: string | null;
  /** When the credentials expire (ms since the epoch). */
  expiresAt: number;
  /** How the credentials arrived: cookie-authenticated writes must pass the Origin check. */
  via: 'cookie' | 'bearer' | 'jwt';
  /** The user's shard (SPEC §17) when auth already read it from the directory; else looked up on first use. */
  shard: number | null;
}

export interface HonoEnv {
  Bindings: AppEnv;
  Variables: RequestIdVariables & { auth: Auth; timing: RequestTiming; userDatabase?: Promise<UserDatabase> };
}
