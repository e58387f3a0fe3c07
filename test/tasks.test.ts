import { describe, expect, it } from 'vitest';
import { call, expectError, expectStatus, signUp } from './helpers';

const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

describe('tasks', () => {
  it('creates, reads, updates, completes and deletes a task', async () => {
    const caller = await signUp();
    const { task } = await expectStatus(201, 'POST', '/tasks', { caller, body: { title: '  Buy milk  ', priority: 'high', dueAt: 1_800_000_000_000 } });
    expect(task).toMatchObject({ title: 'Buy milk', status: 'todo', priority: 'high', notes: '', dueAt: 1_800_000_000_000, completedAt: null });

    const done = await expectStatus(200, 'PATCH', `/tasks/${task.id}`, { caller, body: { status: 'done', notes: 'semi-skimmed' } });
    expect(done.task.status).toBe('done');
    expect(done.task.completedAt).toBeTypeOf('number');
    const reopened = await expectStatus(200, 'PATCH', `/tasks/${task.id}`, { caller, body: { status: 'doing' } });
    expect(reopened.task.completedAt).toBeNull();
    expect((await expectStatus(200, 'GET', `/tasks/${task.id}`, { caller })).task.notes).toBe('semi-skimmed');

    await expectStatus(204, 'DELETE', `/tasks/${task.id}`, { caller });
    await expectError(await call('GET', `/tasks/${task.id}`, { caller }), 404, 'not_found');
  });

  it('lists newest first, filters by status and pages with a cursor', async () => {
    const caller = await signUp();
    for (let i = 0; i < 5; i++) {
      await expectStatus(201, 'POST', '/tasks', { caller, body: { title: `task ${i}`, status: i % 2 ? 'done' : 'todo' } });
      await tick(); // newest-first needs distinct creation times
    }
    const first = await expectStatus(200, 'GET', '/tasks?limit=2', { caller });
    expect(first.tasks.map((t: { title: string }) => t.title)).toEqual(['task 4', 'task 3']);
    const second = await expectStatus(200, 'GET', `/tasks?limit=2&cursor=${first.nextCursor}`, { caller });
    const third = await expectStatus(200, 'GET', `/tasks?limit=2&cursor=${second.nextCursor}`, { caller });
    expect([...second.tasks, ...third.tasks].map((t: { title: string }) => t.title)).toEqual(['task 2', 'task 1', 'task 0']);
    expect(third.nextCursor).toBeNull();
    const done = await expectStatus(200, 'GET', '/tasks?status=done', { caller });
    expect(done.tasks.map((t: { title: string }) => t.title)).toEqual(['task 3', 'task 1']);
    await expectError(await call('GET', '/tasks?cursor=garbage!', { caller }), 400, 'bad_request');
  });

  it("keeps another user's tasks invisible: every route answers 404 and nothing changes", async () => {
    const alice = await signUp('alice');
    const bob = await signUp('bob');
    const { task } = await expectStatus(201, 'POST', '/tasks', { caller: alice, body: { title: 'alice only' } });

    await expectError(await call('GET', `/tasks/${task.id}`, { caller: bob }), 404, 'not_found');
    await expectError(await call('PATCH', `/tasks/${task.id}`, { caller: bob, body: { title: 'hijacked' } }), 404, 'not_found');
    await expectError(await call('DELETE', `/tasks/${task.id}`, { caller: bob }), 404, 'not_found');
    expect((await expectStatus(200, 'GET', '/tasks', { caller: bob })).tasks).toEqual([]);

    const after = await expectStatus(200, 'GET', `/tasks/${task.id}`, { caller: alice });
    expect(after.task).toEqual(task);
  });
});
