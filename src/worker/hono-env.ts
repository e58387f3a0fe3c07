import type { RequestIdVariables } from 'hono/request-id';
import type { AppEnv } from '../shared/config';

/** Who is calling, as resolved by the auth middleware. */
export interface Auth {
  userId: string;
  email: string;
  /** auth_sessions.id of an opaque-token login; null for a JWT caller. */
  authSessionId: string | null;
  /** How the credentials arrived: cookie-authenticated writes must pass the Origin check. */
  via: 'cookie' | 'bearer' | 'jwt';
}

export interface HonoEnv {
  Bindings: AppEnv;
  Variables: RequestIdVariables & { auth: Auth };
}
