/** SPEC §5 Agents: the catalogue, per-user instructions and memories, and executor state. */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { z } from 'zod';
import { AGENTS } from '../../shared/agents';
import type { AgentName } from '../../shared/agents';
import { readConfig } from '../../shared/config';
import { ApiError, notFound } from '../../shared/errors';
import { executorFor, viaExecutor } from '../executor-client';
import type { HonoEnv } from '../hono-env';
import { userDb } from '../user-db';
import { addMemory, deleteMemory, getInstructions, listMemories, putInstructions } from '../../db/memories';
import { serializeMemory } from '../../db/serialize';
import { requireAuth } from '../middleware/auth';
import { idSchema, plainText } from '../../shared/schemas';
import { validate } from '../validation';
import { agentPath } from './params';

export const instructionsBody = z.strictObject({ instructions: z.string() });
export const memoryCreateBody = z.strictObject({ content: plainText(2000).pipe(z.string().trim().min(1, 'must not be empty')) });

function ownerOf(c: Context<HonoEnv>, agent: AgentName) {
  return { userId: c.get('auth').userId, agentName: agent };
}

/** Instructions and memories feed the compiled prompt: the executor must recompile it. */
async function invalidatePrompt(c: Context<HonoEnv>, agent: AgentName) {
  const owner = ownerOf(c, agent);
  await viaExecutor(executorFor(c.env, owner).invalidatePrompt());
}

export const agentRoutes = new Hono<HonoEnv>()
  .use(requireAuth)
  .get('/', (c) => {
    const config = readConfig(c.env);
    const model = config.openaiModel;
    return c.json({
      agents: Object.values(AGENTS).map((a) => ({
        name: a.name,
        displayName: a.displayName,
        description: a.description,
        model: a.model ?? model,
        tools: [...a.tools],
      })),
      demoMode: config.demoMode,
      // The composer and the instructions box count against the deployment's own limits.
      limits: { maxMessageChars: config.maxMessageChars, maxInstructionsChars: config.maxInstructionsChars },
    });
  })
  .get('/:agent/executor', agentPath, async (c) => {
    const owner = ownerOf(c, c.req.valid('param').agent);
    return c.json(await viaExecutor(executorFor(c.env, owner).getState()));
  })
  .get('/:agent/instructions', agentPath, async (c) => {
    const row = await getInstructions(await userDb(c), c.get('auth').userId, c.req.valid('param').agent);
    return c.json({ instructions: row?.instructions ?? '', updatedAt: row?.updatedAt ?? null });
  })
  .put('/:agent/instructions', agentPath, validate('json', instructionsBody), async (c) => {
    const { agent } = c.req.valid('param');
    const max = readConfig(c.env).maxInstructionsChars;
    const parsed = plainText(max).safeParse(c.req.valid('json').instructions);
    if (!parsed.success) throw new ApiError('bad_request', `instructions: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const row = { userId: c.get('auth').userId, agentName: agent, instructions: parsed.data, updatedAt: Date.now() };
    await putInstructions(await userDb(c), row);
    await invalidatePrompt(c, agent);
    return c.json({ instructions: row.instructions, updatedAt: row.updatedAt });
  })
  .get('/:agent/memories', agentPath, async (c) => {
    const memories = await listMemories(await userDb(c), c.get('auth').userId, c.req.valid('param').agent);
    return c.json({ memories: memories.map(serializeMemory) });
  })
  .post('/:agent/memories', agentPath, validate('json', memoryCreateBody), async (c) => {
    const { agent } = c.req.valid('param');
    const memory = await addMemory(await userDb(c), c.get('auth').userId, agent, c.req.valid('json').content, null, readConfig(c.env).memoryLimit);
    await invalidatePrompt(c, agent);
    return c.json({ memory: serializeMemory(memory) }, 201);
  })
  .delete('/:agent/memories/:id', agentPath, validate('param', z.object({ agent: z.string(), id: idSchema })), async (c) => {
    const { agent } = c.req.valid('param');
    const deleted = await deleteMemory(await userDb(c), c.get('auth').userId, agent as AgentName, c.req.valid('param').id);
    if (!deleted) throw notFound('Memory');
    await invalidatePrompt(c, agent as AgentName);
    return c.body(null, 204);
  });
