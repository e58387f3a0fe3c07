/** Path and query pieces shared by several routes. */
import { validator } from 'hono/validator';
import { z } from 'zod';
import { AGENT_NAMES, isAgentName } from '../../shared/agents';
import type { AgentName } from '../../shared/agents';
import { notFound } from '../../shared/errors';

/** An agent named in a body or query: unknown → 400. */
export const agentName = z.string().refine((name): name is AgentName => isAgentName(name), { message: `must be one of ${AGENT_NAMES.join(', ')}` });

/** An agent named in the path: unknown → 404, like any other missing resource. */
export const agentPath = validator('param', (params: Record<string, string>) => {
  const agent = params.agent ?? '';
  if (!isAgentName(agent)) throw notFound('Agent');
  return { agent };
});
