import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { AGENTS } from '../src/shared/agents';
import { toolsFor } from '../src/objects/tools';
import type { ToolContext } from '../src/objects/tools/tool-registry';
import { readConfig } from '../src/shared/config';
import { createDb } from '../src/db/client';
import { signUp } from './helpers';
import { shardOf } from './shard-helpers';

async function context(): Promise<ToolContext & { invalidations: number }> {
  const caller = await signUp();
  const ctx = {
    db: createDb(await shardOf(caller.userId)),
    config: readConfig(env),
    userId: caller.userId,
    agentName: 'assistant',
    chatId: 'chat',
    turnSeq: 1,
    invalidations: 0,
    invalidatePrompt: () => void (ctx.invalidations += 1),
  };
  return ctx;
}

describe('the tool registry', () => {
  const tools = toolsFor(AGENTS.assistant);

  it('describes each tool with the JSON schema of its zod arguments', () => {
    const create = tools.definitions.find((d) => d.function.name === 'create_task')!;
    expect(create.function.parameters).toMatchObject({
      type: 'object',
      properties: { title: { type: 'string' } },
      required: ['title'],
      additionalProperties: false,
    });
    expect(toolsFor(AGENTS.notes).definitions.map((d) => d.function.name)).toEqual(['remember', 'recall', 'forget', 'current_time']);
  });

  it('turns bad arguments into an error result for the model, never a throw', async () => {
    const ctx = await context();
    for (const [name, args] of [
      ['create_task', '{"title": 42}'],
      ['create_task', '{not json'],
      ['create_task', '{"title": "ok", "owner": "someone"}'],
      ['complete_task', '{"title": "no such task"}'],
      ['launch_rockets', '{}'],
    ] as const) {
      const outcome = await tools.run(name, args, ctx);
      expect(outcome.ok, `${name} ${args}`).toBe(false);
      expect(JSON.parse(outcome.result).error).toBeTypeOf('string');
    }
  });

  it('acts on the caller’s tasks by title, and invalidates the prompt when memories change', async () => {
    const ctx = await context();
    await tools.run('create_task', '{"title":"Buy milk","priority":"high","due":"2026-12-01"}', ctx);
    const completed = JSON.parse((await tools.run('complete_task', '{"title":"buy milk"}', ctx)).result);
    expect(completed.task).toMatchObject({ title: 'Buy milk', status: 'done', priority: 'high', dueAt: '2026-12-01T00:00:00.000Z' });
    const stranger = await context();
    expect((await tools.run('delete_task', `{"id":"${completed.task.id}"}`, stranger)).ok).toBe(false);

    await tools.run('remember', '{"content":"I prefer mornings"}', ctx);
    expect(ctx.invalidations).toBe(1);
    const recalled = JSON.parse((await tools.run('recall', '{"query":"mornings please"}', ctx)).result);
    expect(recalled.memories.map((m: { content: string }) => m.content)).toEqual(['I prefer mornings']);
    expect(JSON.parse((await tools.run('forget', '{"query":"mornings"}', ctx)).result)).toEqual({ forgotten: 1 });
    expect(ctx.invalidations).toBe(2);
  });
});
