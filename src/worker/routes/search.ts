/** SPEC §15: full-text search of the caller's own messages, a D1 read. */
import { Hono } from 'hono';
import { z } from 'zod';
import { MAX_SEARCH_TERMS, searchMessages, searchTerms } from '../../db/search';
import type { SearchResponse } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { limitSchema } from '../../shared/pagination';
import { plainText } from '../../shared/schemas';
import type { HonoEnv } from '../hono-env';
import { userDb } from '../user-db';
import { requireAuth } from '../middleware/auth';
import { validate } from '../validation';
import { agentName } from './params';

/** An empty or wordless query is valid (the user cleared the box) and finds nothing. */
export const searchQuery = z.object({
  q: plainText(200),
  agent: agentName.optional(),
  limit: limitSchema(50, 20),
});

export const searchRoutes = new Hono<HonoEnv>().use(requireAuth).get('/', validate('query', searchQuery), async (c) => {
  const { q, agent, limit } = c.req.valid('query');
  const terms = searchTerms(q);
  if (terms.length > MAX_SEARCH_TERMS) throw new ApiError('bad_request', `q: at most ${MAX_SEARCH_TERMS} words or "quoted phrases"`);
  const results = await searchMessages(await userDb(c), { userId: c.get('auth').userId, agent, terms, limit });
  return c.json({ results } satisfies SearchResponse);
});
