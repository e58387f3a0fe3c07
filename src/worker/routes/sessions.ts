/** SPEC §3 from the outside: open, heartbeat, end and list a tab's sessions. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AgentName } from '../../shared/agents';
import { activeSessions, tabSessionsOnOtherAgents } from '../../db/sessions';
import { serializeSession } from '../../db/serialize';
import { sessionDirectory } from '../chats/owner-directory';
import { executorFor, viaExecutor } from '../executor-client';
import type { HonoEnv } from '../hono-env';
import { userDb } from '../user-db';
import type { Context } from 'hono';
import { requireAuth } from '../middleware/auth';
import { idParam, idSchema } from '../../shared/schemas';
import { validate } from '../validation';
import { agentName } from './params';

export const sessionOpenBody = z.strictObject({
  agent: agentName,
  chatId: idSchema.optional(),
  clientInstanceId: idSchema.optional(),
});

export const sessionListQuery = z.object({ agent: agentName });

/** A tab that opens a session with another agent leaves its old one (end_reason=replaced). */
async function endTabSessionsOnOtherAgents(c: Context<HonoEnv>, userId: string, agent: AgentName, clientInstanceId: string) {
  const env = c.env;
  const others = await tabSessionsOnOtherAgents(await userDb(c), userId, agent, clientInstanceId);
  await Promise.all(
    others.map((s) => {
      const owner = { userId, agentName: s.agentName as AgentName };
      return viaExecutor(executorFor(env, owner).endSession(s.id, 'replaced'));
    }),
  );
}

async function endSession(c: Context<HonoEnv>, sessionId: string) {
  const owner = await sessionDirectory.require(await userDb(c), c.get('auth').userId, sessionId);
  await viaExecutor(executorFor(c.env, owner).endSession(sessionId, 'unload'));
  return c.body(null, 204);
}

export const sessionRoutes = new Hono<HonoEnv>()
  .use(requireAuth)
  .post('/', validate('json', sessionOpenBody), async (c) => {
    const { agent, chatId, clientInstanceId } = c.req.valid('json');
    const { userId, authSessionId, expiresAt } = c.get('auth');
    const owner = { userId, agentName: agent };
    const { created, ...result } = await viaExecutor(executorFor(c.env, owner).openSession({ chatId, clientInstanceId, login: { authSessionId, expiresAt } }));
    // Only once the new session exists: a refused open leaves the tab's old one alone.
    if (clientInstanceId) await endTabSessionsOnOtherAgents(c, userId, agent, clientInstanceId);
    return c.json(result, created ? 201 : 200);
  })
  .get('/', validate('query', sessionListQuery), async (c) => {
    const rows = await activeSessions(await userDb(c), c.get('auth').userId, c.req.valid('query').agent);
    return c.json({ sessions: rows.map(serializeSession) });
  })
  .post('/:id/heartbeat', validate('param', idParam), async (c) => {
    const sessionId = c.req.valid('param').id;
    const owner = await sessionDirectory.require(await userDb(c), c.get('auth').userId, sessionId);
    await viaExecutor(executorFor(c.env, owner).heartbeat(sessionId));
    return c.body(null, 204);
  })
  .post('/:id/end', validate('param', idParam), (c) => endSession(c, c.req.valid('param').id))
  .delete('/:id', validate('param', idParam), (c) => endSession(c, c.req.valid('param').id));
