import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, executorState, expectError, expectStatus, signUp } from './helpers';

describe('agents, instructions and memories', () => {
  it('lists the built-in agents with their tools', async () => {
    const caller = await signUp();
    const { agents } = await expectStatus(200, 'GET', '/agents', { caller });
    expect(agents.map((a: { name: string }) => a.name)).toEqual(['assistant', 'notes']);
    expect(agents[0].tools).toEqual(expect.arrayContaining(['create_task', 'list_tasks', 'complete_task', 'remember', 'recall', 'current_time']));
    expect(agents[1].tools).toEqual(['remember', 'recall', 'forget', 'current_time']);
    expect(agents[0]).toMatchObject({ displayName: 'Assistant', model: env.OPENAI_MODEL, description: expect.any(String) });
  });

  it("answers the deployment's text limits, which the web client counts against", async () => {
    const caller = await signUp();
    const { limits } = await expectStatus(200, 'GET', '/agents', { caller });
    expect(limits).toEqual({ maxMessageChars: Number(env.MAX_MESSAGE_CHARS), maxInstructionsChars: Number(env.MAX_INSTRUCTIONS_CHARS) });
  });

  it('saves instructions per user and agent, and refuses over-long ones', async () => {
    const caller = await signUp();
    const other = await signUp();
    expect(await expectStatus(200, 'GET', '/agents/notes/instructions', { caller })).toEqual({ instructions: '', updatedAt: null });
    const saved = await expectStatus(200, 'PUT', '/agents/notes/instructions', { caller, body: { instructions: 'Be brief.\nUse bullet points.' } });
    expect(saved).toMatchObject({ instructions: 'Be brief.\nUse bullet points.', updatedAt: expect.any(Number) });
    expect((await expectStatus(200, 'GET', '/agents/notes/instructions', { caller })).instructions).toBe('Be brief.\nUse bullet points.');
    expect((await expectStatus(200, 'GET', '/agents/assistant/instructions', { caller })).instructions).toBe('');
    expect((await expectStatus(200, 'GET', '/agents/notes/instructions', { caller: other })).instructions).toBe('');
    const tooLong = 'x'.repeat(Number(env.MAX_INSTRUCTIONS_CHARS) + 1);
    await expectError(await call('PUT', '/agents/notes/instructions', { caller, body: { instructions: tooLong } }), 400, 'bad_request');
    expect((await expectStatus(200, 'GET', '/agents/notes/instructions', { caller })).instructions).toBe('Be brief.\nUse bullet points.');
  });

  it('keeps at most MEMORY_LIMIT memories, pruning the oldest, and deletes only the owner’s', async () => {
    const caller = await signUp();
    const other = await signUp();
    const limit = Number(env.MEMORY_LIMIT);
    for (let i = 0; i < limit + 2; i++) await expectStatus(201, 'POST', '/agents/notes/memories', { caller, body: { content: `fact ${i}` } });
    const { memories } = await expectStatus(200, 'GET', '/agents/notes/memories', { caller });
    expect(memories.map((m: { content: string }) => m.content)).toEqual(Array.from({ length: limit }, (_, i) => `fact ${limit + 1 - i}`));
    await expectError(await call('DELETE', `/agents/notes/memories/${memories[0].id}`, { caller: other }), 404, 'not_found');
    await expectStatus(204, 'DELETE', `/agents/notes/memories/${memories[0].id}`, { caller });
    await expectError(await call('DELETE', `/agents/notes/memories/${memories[0].id}`, { caller }), 404, 'not_found');
    expect((await expectStatus(200, 'GET', '/agents/notes/memories', { caller })).memories).toHaveLength(limit - 1);
  });

  it('answers the executor state of the caller’s own executor', async () => {
    const caller = await signUp();
    expect(await executorState(caller, 'notes')).toEqual({
      cached: false,
      builtAt: null,
      hits: 0,
      misses: 0,
      evictions: 0,
      activeSessions: 0,
      inFlight: 0,
      nextAlarmAt: null,
    });
  });
});
