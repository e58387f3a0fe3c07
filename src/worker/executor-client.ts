/**
 * How the Worker reaches an executor: the object's name is always built here from the
 * authenticated user, never taken from the client, and API errors thrown inside the object
 * come back as ApiErrors.
 */
import { and, eq } from 'drizzle-orm';
import type { AgentName } from '../objects/agents';
import { executorName } from '../objects/owner';
import type { Owner } from '../objects/owner';
import type { AppEnv } from './config';
import { createDb } from './db/client';
import { chatSessions } from './db/schema';
import { ApiError } from './errors';
import type { RpcResult } from './errors';

export function executorFor(env: AppEnv, owner: Owner) {
  return env.AGENT_EXECUTOR.getByName(executorName(owner));
}

/** Awaits an executor call and throws the ApiError it answered with, if any. */
export async function viaExecutor<T>(call: Promise<RpcResult<T>>): Promise<T> {
  const result = await call;
  if (!result.ok) throw new ApiError(result.error.code, result.error.message);
  return result.value;
}

/** Logout (SPEC §3.4): every agent's executor ends the sessions opened with this login. */
export async function endSessionsOfLogin(env: AppEnv, userId: string, authSessionId: string): Promise<void> {
  const rows = await createDb(env.DB)
    .selectDistinct({ agentName: chatSessions.agentName })
    .from(chatSessions)
    .where(and(eq(chatSessions.userId, userId), eq(chatSessions.authSessionId, authSessionId), eq(chatSessions.isActive, true)));
  await Promise.all(
    rows.map((r) =>
      viaExecutor(
        executorFor(env, { userId, agentName: r.agentName as AgentName }).endSessionsOfLogin({ userId, agentName: r.agentName as AgentName }, authSessionId),
      ),
    ),
  );
}
