// A normal session leaves the console clean (issue 18 item 19): no error or warning from opening
// chats (a socket closed while connecting used to warn on every load), sending, moving around and
// logging out (a 401 right after logout); and the app has a favicon of its own.
import assert from 'node:assert/strict';
import { newReader } from '../seed-chats.mjs';

/** `t`: the journey's helpers (see e2e/run.mjs). Signs up a user of its own: it logs out at the end. */
export async function quietConsoleSteps(t) {
  const { browser, baseUrl, password, step, until, watch } = t;

  await step('a session of chatting, moving around and logging out logs no console error or warning', async () => {
    const context = await newReader(browser, baseUrl, password);
    const page = await context.newPage();
    watch(page);
    const noise = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') noise.push(`${message.type()}: ${message.text()}`);
    });
    try {
      await page.goto('/');
      await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
      const composer = page.getByRole('textbox', { name: 'Message' });
      await composer.fill('Hello there');
      await composer.press('Enter');
      await page.getByRole('article', { name: 'Assistant replied' }).waitFor();
      await page.getByRole('button', { name: 'Send message' }).waitFor();
      await page.getByRole('button', { name: 'New chat', exact: true }).click();
      await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
      await page.getByRole('complementary', { name: 'Chats and navigation' }).getByRole('link', { name: /^Hello there/ }).click();
      await page.getByRole('article', { name: 'Assistant replied' }).waitFor();
      await page.getByRole('link', { name: 'Tasks', exact: true }).click();
      await page.waitForURL('**/tasks');
      await page.goBack();
      await page.getByRole('article', { name: 'Assistant replied' }).waitFor();
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL('**/login');
      // Whatever was in flight at logout has had time to answer.
      await page.waitForTimeout(1_000);
      await until(async () => (await page.getByRole('button', { name: 'Log in' }).count()) === 1, { message: 'the login form' });
      assert.deepEqual(noise, [], 'a clean console');

      const icon = await page.locator('link[rel="icon"]').getAttribute('href');
      assert.ok(icon, 'the page names its icon');
      for (const path of [icon, '/favicon.ico']) {
        const res = await fetch(new URL(path, baseUrl));
        assert.equal(res.status, 200, path);
        assert.match(res.headers.get('content-type') ?? '', /^image\//, `${path} is an image, not the app's HTML`);
      }
    } finally {
      await context.close();
    }
  });
}
