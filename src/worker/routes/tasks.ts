/** SPEC §5 Tasks, strictly per user: another user's task is not_found. */
import { Hono } from 'hono';
import { z } from 'zod';
import { TASK_STATUSES } from '../../shared/api';
import { notFound } from '../../shared/errors';
import type { HonoEnv } from '../hono-env';
import { userDb } from '../user-db';
import { requireAuth } from '../middleware/auth';
import { cursorSchema, decodeCursor, encodeCursor, limitSchema } from '../../shared/pagination';
import { idParam, plainText } from '../../shared/schemas';
import { validate } from '../validation';
import { deleteTask, findTask, listTasks, newTask, patchTask, taskFields } from '../../db/tasks';
import { insertTaskWithinCap } from '../../db/user-caps';
import { readConfig } from '../../shared/config';
import { taskCapReached } from '../../shared/caps';
import { serializeTask } from '../../db/serialize';

export const taskListQuery = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  cursor: cursorSchema,
  limit: limitSchema(200, 50),
});

export const taskCreateBody = z.strictObject({ ...taskFields, title: plainText(200).pipe(z.string().trim().min(1, 'must not be empty')) });
export const taskPatchBody = z.strictObject(taskFields).refine((b) => Object.keys(b).length > 0, 'nothing to update');

export const taskRoutes = new Hono<HonoEnv>()
  .use(requireAuth)
  .get('/', validate('query', taskListQuery), async (c) => {
    const { status, cursor, limit } = c.req.valid('query');
    const { rows, hasMore } = await listTasks(await userDb(c), c.get('auth').userId, { status, after: cursor ? decodeCursor(cursor) : null, limit });
    const last = rows.at(-1);
    const nextCursor = hasMore && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null;
    return c.json({ tasks: rows.map(serializeTask), nextCursor });
  })
  .post('/', validate('json', taskCreateBody), async (c) => {
    const task = newTask(c.get('auth').userId, c.req.valid('json'));
    const max = readConfig(c.env).maxTasksPerUser;
    if (!(await insertTaskWithinCap(await userDb(c), task, max))) throw taskCapReached(max);
    return c.json({ task: serializeTask(task) }, 201);
  })
  .get('/:id', validate('param', idParam), async (c) => {
    const task = await findTask(await userDb(c), c.get('auth').userId, c.req.valid('param').id);
    if (!task) throw notFound('Task');
    return c.json({ task: serializeTask(task) });
  })
  .patch('/:id', validate('param', idParam), validate('json', taskPatchBody), async (c) => {
    const task = await patchTask(await userDb(c), c.get('auth').userId, c.req.valid('param').id, c.req.valid('json'));
    if (!task) throw notFound('Task');
    return c.json({ task: serializeTask(task) });
  })
  .delete('/:id', validate('param', idParam), async (c) => {
    if (!(await deleteTask(await userDb(c), c.get('auth').userId, c.req.valid('param').id))) throw notFound('Task');
    return c.body(null, 204);
  });
