/** SPEC §5 Tasks, strictly per user: another user's task is not_found. */
import { and, desc, eq, lt, or } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb } from '../db/client';
import { TASK_STATUSES, tasks } from '../db/schema';
import type { Task } from '../db/schema';
import { notFound } from '../errors';
import type { HonoEnv } from '../hono-env';
import { requireAuth } from '../middleware/auth';
import { cursorSchema, decodeCursor, encodeCursor, limitSchema } from '../pagination';
import { idParam, plainText, validate } from '../validation';
import { applyTaskPatch, newTask, taskFields } from '../tasks/task-model';

export function serializeTask(task: Task) {
  const { id, title, notes, status, priority, dueAt, createdAt, updatedAt, completedAt } = task;
  return { id, title, notes, status, priority, dueAt, createdAt, updatedAt, completedAt };
}

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
    const { userId } = c.get('auth');
    const after = cursor ? decodeCursor(cursor) : null;
    const rows = await createDb(c.env.DB)
      .select()
      .from(tasks)
      .where(
        and(
          eq(tasks.userId, userId),
          status ? eq(tasks.status, status) : undefined,
          after ? or(lt(tasks.createdAt, after.at), and(eq(tasks.createdAt, after.at), lt(tasks.id, after.id))) : undefined,
        ),
      )
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null;
    return c.json({ tasks: page.map(serializeTask), nextCursor });
  })
  .post('/', validate('json', taskCreateBody), async (c) => {
    const task = newTask(c.get('auth').userId, c.req.valid('json'));
    await createDb(c.env.DB).insert(tasks).values(task);
    return c.json({ task: serializeTask(task) }, 201);
  })
  .get('/:id', validate('param', idParam), async (c) => {
    const [task] = await createDb(c.env.DB)
      .select()
      .from(tasks)
      .where(and(eq(tasks.id, c.req.valid('param').id), eq(tasks.userId, c.get('auth').userId)))
      .limit(1);
    if (!task) throw notFound('Task');
    return c.json({ task: serializeTask(task) });
  })
  .patch('/:id', validate('param', idParam), validate('json', taskPatchBody), async (c) => {
    const db = createDb(c.env.DB);
    const where = and(eq(tasks.id, c.req.valid('param').id), eq(tasks.userId, c.get('auth').userId));
    const [current] = await db.select().from(tasks).where(where).limit(1);
    if (!current) throw notFound('Task');
    const [task] = await db
      .update(tasks)
      .set(applyTaskPatch(current, c.req.valid('json')))
      .where(where)
      .returning();
    if (!task) throw notFound('Task');
    return c.json({ task: serializeTask(task) });
  })
  .delete('/:id', validate('param', idParam), async (c) => {
    const deleted = await createDb(c.env.DB)
      .delete(tasks)
      .where(and(eq(tasks.id, c.req.valid('param').id), eq(tasks.userId, c.get('auth').userId)))
      .returning({ id: tasks.id });
    if (!deleted[0]) throw notFound('Task');
    return c.body(null, 204);
  });
