import { describe, expect, it } from 'vitest';
import { call, expectError, expectStatus, signUp } from './helpers';

describe('cookie-authenticated writes pass an Origin check', () => {
  it('refuses a cross-origin POST that rides on the session cookie, and writes nothing', async () => {
    const caller = await signUp();
    const response = await call('POST', '/tasks', { caller, cookie: true, origin: 'https://evil.example', body: { title: 'forged' } });
    await expectError(response, 403, 'forbidden');
    const { tasks } = await expectStatus(200, 'GET', '/tasks', { caller });
    expect(tasks).toEqual([]);
  });

  it('refuses a cross-site request without an Origin header', async () => {
    const caller = await signUp();
    const response = await call('POST', '/tasks', { caller, cookie: true, origin: null, headers: { 'Sec-Fetch-Site': 'cross-site' }, body: { title: 'forged' } });
    await expectError(response, 403, 'forbidden');
  });

  it('accepts the same write from our own origin, and Bearer calls from anywhere', async () => {
    const caller = await signUp();
    await expectStatus(201, 'POST', '/tasks', { caller, cookie: true, body: { title: 'same origin' } });
    await expectStatus(201, 'POST', '/tasks', { caller, origin: 'https://api-client.example', body: { title: 'bearer' } });
  });

  it('lets cross-origin reads through (the browser keeps their answers from the page)', async () => {
    const caller = await signUp();
    await expectStatus(200, 'GET', '/tasks', { caller, cookie: true, origin: 'https://evil.example' });
  });
});
