/**
 * SPEC §13: every response carries a Content-Security-Policy (no inline script, no framing),
 * `X-Content-Type-Options: nosniff` and a referrer policy — the API's from the Worker, the
 * SPA's and its assets' from web/public/_headers, which the platform applies (wrangler dev
 * too; the e2e suite checks them on the served pages). Malformed URLs are a 400, never a 500.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import headersFile from '../web/public/_headers?raw';
import { call, expectError, signUp } from './helpers';

function expectSecurityHeaders(response: Response, label: string) {
  const csp = response.headers.get('Content-Security-Policy') ?? '';
  expect(csp, `${label}: CSP`).toMatch(/default-src 'none'/);
  expect(csp, `${label}: CSP`).toMatch(/frame-ancestors 'none'/);
  expect(response.headers.get('X-Content-Type-Options'), label).toBe('nosniff');
  expect(response.headers.get('Referrer-Policy'), label).toBe('no-referrer');
  expect(response.headers.get('X-Frame-Options'), label).toBe('DENY');
}

/** The `/*` block of the _headers file as name → value. */
function spaHeaders(): Map<string, string> {
  const lines = headersFile.split('\n');
  const start = lines.findIndex((l) => l.trim() === '/*');
  expect(start, '_headers has a /* block').toBeGreaterThanOrEqual(0);
  const headers = new Map<string, string>();
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(line)) break;
    const [name, ...value] = line.trim().split(':');
    headers.set(name!.trim().toLowerCase(), value.join(':').trim());
  }
  return headers;
}

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('security headers', () => {
  it('are on every kind of API answer: success, 401, 404, 400 and 413', async () => {
    const caller = await signUp();
    expectSecurityHeaders(await call('GET', '/health'), 'health');
    expectSecurityHeaders(await call('GET', '/tasks', { caller }), 'tasks');
    expectSecurityHeaders(await call('GET', '/tasks'), '401');
    expectSecurityHeaders(await call('GET', '/no/such/route', { caller }), '404');
    expectSecurityHeaders(await call('POST', '/tasks', { caller, rawBody: '{', headers: { 'Content-Type': 'application/json' } }), '400');
    expectSecurityHeaders(await call('POST', '/tasks', { caller, body: { title: 'x'.repeat(70_000) } }), '413');
  });

  it('for the SPA and its assets come from _headers: a CSP without inline script, no framing, nosniff, a referrer policy', () => {
    const headers = spaHeaders();
    const csp = directives(headers.get('content-security-policy') ?? '');
    const scripts = csp.get('script-src') ?? csp.get('default-src') ?? [];
    expect(scripts).toContain("'self'");
    expect(scripts.filter((s) => /unsafe|data:|blob:|\*/.test(s))).toEqual([]);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('malformed URLs', () => {
  it('answer 400 in the error shape, with the security headers, never a 500', async () => {
    const caller = await signUp();
    for (const path of [
      '/%E0',
      '/%',
      '/chats/%E0',
      '/chats/%E0/messages',
      '/tasks/%FF%FE',
      '/agents/%C0%AF/memories',
      '/sessions/%E0%A4%A/heartbeat',
      '/chats?agent=%E0',
      '/auth/me?x=%ZZ',
    ]) {
      const response = await exports.default.fetch(
        new Request(`http://localhost/api${path}`, { headers: { Authorization: `Bearer ${caller.token}`, 'CF-Connecting-IP': caller.ip } }),
      );
      const copy = response.clone();
      await expectError(response, 400, 'bad_request');
      expectSecurityHeaders(copy, path);
    }
  });
});
