/**
 * How the Worker reaches an executor: the object's name is always built here from the
 * authenticated user, never taken from the client, and API errors thrown inside the object
 * come back as ApiErrors.
 */
import type { AgentName } from '../shared/agents';
import { executorName } from '../shared/owner';
import type { Owner } from '../shared/owner';
import type { AppEnv } from '../shared/config';
import { createDb } from '../db/client';
import { agentsWithLoginSessions } from '../db/sessions';
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

/** Logout (SPEC §3.4): every agent's executor ends the sessions opened with this login. */
export async function endSessionsOfLogin(env: AppEnv, userId: string, authSessionId: string): Promise<void> {
  const agents = await agentsWithLoginSessions(createDb(env.DB), userId, authSessionId);
  await Promise.all(
    agents.map((agentName) => {
      const owner = { userId, agentName: agentName as AgentName };
      return viaExecutor(executorFor(env, owner).endSessionsOfLogin(authSessionId));
    }),
  );
}
