import { shardOf } from './shard-helpers';
import { describe, expect, it } from 'vitest';
import { call, expectError, signUp } from './helpers';

const countTasks = async (userId: string) => (await (await shardOf(userId)).prepare('SELECT count(*) AS n FROM tasks WHERE user_id = ?').bind(userId).first<{ n: number }>())!.n;

describe('bad input gets a clear 4xx in the error shape and writes nothing', () => {
  it('rejects malformed JSON with 400', async () => {
    const caller = await signUp();
    const response = await call('POST', '/tasks', { caller, rawBody: '{"title": "unterminated', headers: { 'Content-Type': 'application/json' } });
    await expectError(response, 400, 'bad_request');
    expect(await countTasks(caller.userId)).toBe(0);
  });

  it('rejects wrong types with a message naming the field', async () => {
    const caller = await signUp();
    const message = await expectError(await call('POST', '/tasks', { caller, body: { title: 42 } }), 400, 'bad_request');
    expect(message).toMatch(/^title/);
    await expectError(await call('POST', '/tasks', { caller, body: { title: 'ok', priority: 'urgent' } }), 400, 'bad_request');
    await expectError(await call('POST', '/tasks', { caller, body: { title: 'ok', dueAt: 'tomorrow' } }), 400, 'bad_request');
    expect(await countTasks(caller.userId)).toBe(0);
  });

  it('rejects unknown fields and over-long strings', async () => {
    const caller = await signUp();
    await expectError(await call('POST', '/tasks', { caller, body: { title: 'ok', owner: 'someone-else' } }), 400, 'bad_request');
    await expectError(await call('POST', '/tasks', { caller, body: { title: 'x'.repeat(201) } }), 400, 'bad_request');
    await expectError(await call('POST', '/auth/signup', { body: { email: `${'a'.repeat(300)}@example.com`, password: 'long enough' } }), 400, 'bad_request');
    await expectError(await call('POST', '/auth/signup', { body: { email: 'short@example.com', password: 'short' } }), 400, 'bad_request');
    expect(await countTasks(caller.userId)).toBe(0);
  });

  it('rejects a 70 KiB body with 413 before reading it', async () => {
    const caller = await signUp();
    const response = await call('POST', '/tasks', { caller, body: { title: 'big', notes: 'n'.repeat(70 * 1024) } });
    await expectError(response, 413, 'payload_too_large');
    expect(await countTasks(caller.userId)).toBe(0);
  });

  it('rejects control characters in ids and text', async () => {
    const caller = await signUp();
    await expectError(await call('GET', '/tasks/abc%00def', { caller }), 400, 'bad_request');
    await expectError(await call('POST', '/tasks', { caller, body: { title: 'bell\u0007' } }), 400, 'bad_request');
    await expectError(await call('POST', '/sessions', { caller, body: { agent: 'assistant', clientInstanceId: 'tab\u0000one' } }), 400, 'bad_request');
    expect(await countTasks(caller.userId)).toBe(0);
  });

  it('answers unknown agents and routes in the error shape', async () => {
    const caller = await signUp();
    await expectError(await call('POST', '/sessions', { caller, body: { agent: 'nobody' } }), 400, 'bad_request');
    await expectError(await call('GET', '/agents/nobody/memories', { caller }), 404, 'not_found');
    await expectError(await call('GET', '/no/such/route', { caller }), 404, 'not_found');
  });
});
