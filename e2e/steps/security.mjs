// SPEC §13 in the browser: every response — the SPA, its assets, /api — carries the security
// headers (the SPA's from web/public/_headers, applied by Workers static assets, which
// `wrangler dev` honours), the whole journey runs under the CSP without a single violation,
// the app refuses to be framed, and malformed URLs end in the not-found view or a 400.
import assert from 'node:assert/strict';

const CSP_VIOLATION = /Content Security Policy|Content-Security-Policy/i;

/**
 * Starts recording CSP violations on every page of the context, the first one included.
 * Call it before the first navigation; `securitySteps` reads what it recorded.
 */
export function watchCspViolations(context, firstPage) {
  const violations = [];
  const watch = (page) =>
    page.on('console', (message) => {
      if (CSP_VIOLATION.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
    });
  watch(firstPage);
  context.on('page', watch);
  return violations;
}

function assertSecurityHeaders(response, label) {
  const csp = response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /frame-ancestors 'none'/, `${label}: frame-ancestors`);
  const scripts = /script-src ([^;]*)/.exec(csp)?.[1] ?? /default-src ([^;]*)/.exec(csp)?.[1] ?? '';
  assert.doesNotMatch(scripts, /unsafe-inline|unsafe-eval/, `${label}: script-src`);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff', `${label}: nosniff`);
  assert.ok(response.headers.get('referrer-policy'), `${label}: referrer policy`);
}

/** `t`: the journey (see e2e/run.mjs); `violations`: what watchCspViolations recorded. */
export async function securitySteps(t, violations) {
  const { page, browser, baseUrl, step } = t;

  await step('the SPA, its assets and the API all carry a CSP without inline script, nosniff and a referrer policy', async () => {
    const index = await fetch(`${baseUrl}/`);
    assertSecurityHeaders(index, '/');
    const html = await index.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'the built index.html has no inline script');
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(assets.length >= 2, 'a script and a stylesheet');
    for (const asset of assets) assertSecurityHeaders(await fetch(`${baseUrl}${asset}`), asset);
    assertSecurityHeaders(await fetch(`${baseUrl}/assistant/c/some-chat`), 'a client-side route');
    assertSecurityHeaders(await fetch(`${baseUrl}/api/health`), '/api/health');
    assertSecurityHeaders(await fetch(`${baseUrl}/api/tasks`), '/api/tasks (401)');
  });

  await step('malformed URLs: /api/%E0 is a 400 in the error shape, /%E0 the not-found view', async () => {
    const api = await fetch(`${baseUrl}/api/%E0`);
    assert.equal(api.status, 400);
    assert.equal((await api.json()).error.code, 'bad_request');
    await page.goto('/%E0');
    await page.getByRole('heading', { name: 'Nothing here' }).waitFor();
  });

  await step('another site cannot frame the app', async () => {
    const framer = await browser.newPage();
    try {
      await framer.setContent(`<iframe title="framed" src="${baseUrl}/login" width="600" height="400"></iframe>`);
      const frame = framer.frames().find((f) => f !== framer.mainFrame());
      assert.ok(frame, 'the iframe exists');
      await framer.waitForTimeout(1500);
      assert.equal(await frame.locator('#app').count(), 0, 'the app did not render inside the frame');
    } finally {
      await framer.close();
    }
  });

  await step('the whole journey ran under the CSP without a violation', async () => {
    assert.deepEqual(violations, []);
  });
}
