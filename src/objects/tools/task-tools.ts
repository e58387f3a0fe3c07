/** The assistant's task tools, over the same rules as the tasks API. */
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { containsText } from '../../db/contains';
import { tasks } from '../../db/schema';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../shared/api';
import type { Task } from '../../db/schema';
import { applyTaskPatch, newTask } from '../../db/tasks';
import type { TaskPatch } from '../../db/tasks';
import { plainText } from '../../shared/schemas';
import { taskCapReached } from '../../shared/caps';
import { insertTaskWithinCap } from '../../db/user-caps';
import { defineTool, ToolError } from './tool-registry';
import type { ToolContext } from './tool-registry';

const title = plainText(200).pipe(z.string().trim().min(1));
const dueDate = z.iso.datetime({ offset: true }).or(z.iso.date()).describe('ISO 8601 date or date-time');
/** Tools find a task by id, or by (part of) its title as a person would name it. */
const taskRef = {
  id: z.string().max(64).optional().describe('The task id from list_tasks'),
  title: z.string().max(200).optional().describe('The task title, or a distinctive part of it'),
};

function compact(task: Task) {
  return {
    id: task.id,
    title: task.title,
    status: task.status,
    priority: task.priority,
    dueAt: task.dueAt ? new Date(task.dueAt).toISOString() : null,
    notes: task.notes || undefined,
  };
}

async function findTask(context: ToolContext, ref: { id?: string | undefined; title?: string | undefined }): Promise<Task> {
  const mine = eq(tasks.userId, context.userId);
  if (ref.id) {
    const [task] = await context.db
      .select()
      .from(tasks)
      .where(and(mine, eq(tasks.id, ref.id)))
      .limit(1);
    if (task) return task;
  }
  if (ref.title) {
    const matches = await context.db
      .select()
      .from(tasks)
      .where(and(mine, containsText(tasks.title, ref.title.trim())))
      .orderBy(desc(tasks.updatedAt))
      .limit(5);
    const exact = matches.find((t) => t.title.toLowerCase() === ref.title!.trim().toLowerCase());
    if (exact) return exact;
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new ToolError(`Several tasks match "${ref.title}": ${matches.map((t) => `"${t.title}" (${t.id})`).join(', ')}; pass an id`);
  }
  throw new ToolError(ref.id || ref.title ? `No task matches "${ref.id ?? ref.title}"` : 'Name the task by id or title');
}

async function patchTask(context: ToolContext, task: Task, patch: TaskPatch) {
  const [updated] = await context.db
    .update(tasks)
    .set(applyTaskPatch(task, patch))
    .where(and(eq(tasks.id, task.id), eq(tasks.userId, context.userId)))
    .returning();
  return { task: compact(updated!) };
}

export const taskTools = [
  defineTool({
    name: 'create_task',
    description: "Add a task to the user's task list.",
    schema: z.strictObject({ title, notes: plainText(4000).optional(), priority: z.enum(TASK_PRIORITIES).optional(), due: dueDate.optional() }),
    async run(args, context) {
      const task = newTask(context.userId, { title: args.title, notes: args.notes, priority: args.priority, dueAt: args.due ? Date.parse(args.due) : null });
      if (!(await insertTaskWithinCap(context.db, task, context.config.maxTasksPerUser)))
        throw new ToolError(taskCapReached(context.config.maxTasksPerUser).message);
      return { task: compact(task) };
    },
  }),
  defineTool({
    name: 'list_tasks',
    description: "List the user's tasks, newest first, optionally only those with one status.",
    schema: z.strictObject({ status: z.enum(TASK_STATUSES).optional(), limit: z.number().int().min(1).max(50).optional() }),
    async run(args, context) {
      const rows = await context.db
        .select()
        .from(tasks)
        .where(and(eq(tasks.userId, context.userId), args.status ? eq(tasks.status, args.status) : undefined))
        .orderBy(desc(tasks.createdAt))
        .limit(args.limit ?? 20);
      return { tasks: rows.map(compact) };
    },
  }),
  defineTool({
    name: 'update_task',
    description: 'Change a task: its title, notes, status, priority or due date.',
    schema: z.strictObject({
      ...taskRef,
      newTitle: title.optional(),
      notes: plainText(4000).optional(),
      status: z.enum(TASK_STATUSES).optional(),
      priority: z.enum(TASK_PRIORITIES).optional(),
      due: dueDate.nullable().optional(),
    }),
    async run(args, context) {
      const task = await findTask(context, args);
      const patch: TaskPatch = { title: args.newTitle, notes: args.notes, status: args.status, priority: args.priority };
      if (args.due !== undefined) patch.dueAt = args.due === null ? null : Date.parse(args.due);
      return patchTask(context, task, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
    },
  }),
  defineTool({
    name: 'complete_task',
    description: 'Mark a task as done.',
    schema: z.strictObject(taskRef),
    async run(args, context) {
      return patchTask(context, await findTask(context, args), { status: 'done' });
    },
  }),
  defineTool({
    name: 'delete_task',
    description: 'Delete a task for good.',
    schema: z.strictObject(taskRef),
    async run(args, context) {
      const task = await findTask(context, args);
      await context.db.delete(tasks).where(and(eq(tasks.id, task.id), eq(tasks.userId, context.userId)));
      return { deleted: compact(task) };
    },
  }),
];
