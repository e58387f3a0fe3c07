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
    const response = await call('POST', '/tasks', {
      caller,
      cookie: true,
      origin: null,
      headers: { 'Sec-Fetch-Site': 'cross-site' },
      body: { title: 'forged' },
    });
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

describe('ALLOWED_ORIGINS', () => {
  it('answers a listed origin’s preflight with credentials, and lets its cookie writes through', async () => {
    const { env } = await import('cloudflare:workers');
    const mutable = env as { ALLOWED_ORIGINS: string };
    const before = mutable.ALLOWED_ORIGINS;
    mutable.ALLOWED_ORIGINS = 'https://app.example';
    try {
      const caller = await signUp();
      const preflight = await call('OPTIONS', '/tasks', { origin: 'https://app.example', headers: { 'Access-Control-Request-Method': 'POST' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example');
      expect(preflight.headers.get('Access-Control-Allow-Credentials')).toBe('true');
      await expectStatus(201, 'POST', '/tasks', { caller, cookie: true, origin: 'https://app.example', body: { title: 'from the app' } });
      const refused = await call('OPTIONS', '/tasks', { origin: 'https://evil.example', headers: { 'Access-Control-Request-Method': 'POST' } });
      expect(refused.headers.get('Access-Control-Allow-Origin')).toBeNull();
    } finally {
      mutable.ALLOWED_ORIGINS = before;
    }
  });
});
