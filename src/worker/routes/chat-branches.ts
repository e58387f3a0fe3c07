/**
 * SPEC §16 over HTTP: regenerate a reply, and switch the branch a chat shows. (An edit is a
 * send with `parentSeq`: turns.ts.) Mounted inside the chats sub-app, which authenticates;
 * the chat's executor checks the chat is the caller's and settles the tree.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../../shared/errors';
import { idParam, idSchema } from '../../shared/schemas';
import { chatExecutorOwner } from '../chats/owner-directory';
import { executorFor, viaExecutor } from '../executor-client';
import type { HonoEnv } from '../hono-env';
import { userDb } from '../user-db';
import { collectTurn } from '../turns/collect-turn';
import { eventStreamResponse, startTurn, wantsEventStream } from '../turns/start-turn';
import { validate } from '../validation';
import { seqSchema } from './turns';

export const regenerateBody = z.strictObject({ seq: seqSchema, sessionId: idSchema.optional() });
/** `sessionId`: the switching tab, which needs no `head` frame of its own. */
export const headBody = z.strictObject({ seq: seqSchema, sessionId: idSchema.optional() });

export const chatBranchRoutes = new Hono<HonoEnv>()
  .post('/:id/regenerate', validate('param', idParam), validate('json', regenerateBody), async (c) => {
    const chatId = c.req.valid('param').id;
    const { seq, sessionId } = c.req.valid('json');
    const locate = async () => ({ owner: await chatExecutorOwner(await userDb(c), c.get('auth').userId, chatId), chatId });
    // A turn like any other (SSE or JSON), whose reply goes beside the one at `seq`.
    const { stream } = await startTurn(c, locate, { content: '', sessionId, branch: { kind: 'regenerate', seq } });
    if (wantsEventStream(c)) return eventStreamResponse(c, stream);
    const { toolResults: _results, ...turn } = await collectTurn(stream);
    if (turn.error && turn.message?.status === 'error') throw new ApiError('upstream_error', turn.error.message);
    return c.json(turn);
  })
  .put('/:id/head', validate('param', idParam), validate('json', headBody), async (c) => {
    const chatId = c.req.valid('param').id;
    const { seq, sessionId } = c.req.valid('json');
    const owner = await chatExecutorOwner(await userDb(c), c.get('auth').userId, chatId);
    return c.json(await viaExecutor(executorFor(c.env, owner).selectHead(chatId, seq, sessionId)));
  });
