/**
 * How the Worker reaches an executor: the object's name is always built here from the
 * authenticated user, never taken from the client, and API errors thrown inside the object
 * come back as ApiErrors.
 */
import { AGENT_NAMES } from '../shared/agents';
import { executorName } from '../shared/owner';
import type { Owner } from '../shared/owner';
import type { AppEnv } from '../shared/config';
import { ApiError } from '../shared/errors';
import type { RpcResult } from '../shared/errors';

export function executorFor(env: AppEnv, owner: Owner) {
  return env.AGENT_EXECUTOR.getByName(executorName(owner));
}

/** Awaits an executor call and throws the ApiError it answered with, if any. */
export async function viaExecutor<T>(call: Promise<RpcResult<T>>): Promise<T> {
  const result = await call;
  if (!result.ok) throw new ApiError(result.error.code, result.error.message, { retryAfterS: result.error.retryAfterS });
  return result.value;
}

/**
 * Logout (SPEC §3.4, §12.1): every agent's executor of the user learns that the login is
 * revoked (so a warm turn refuses it without asking D1), ends the sessions opened with it and
 * closes their sockets.
 */
export async function logoutEverywhere(env: AppEnv, userId: string, authSessionId: string, expiresAt: number): Promise<void> {
  await Promise.all(
    AGENT_NAMES.map((agentName) => viaExecutor(executorFor(env, { userId, agentName }).logout(authSessionId, expiresAt))),
  );
}
