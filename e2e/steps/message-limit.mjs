// The composer near MAX_MESSAGE_CHARS (issue 18 item 11): the characters left when close, in red
// and not sendable when over. The suite's server runs with a MAX_MESSAGE_CHARS of its own (e2e/run.mjs),
// so the count proves the client learned the deployed limit rather than a copy of the default.
import assert from 'node:assert/strict';
import { exchangeFile, importChat } from '../seed-chats.mjs';

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function messageLimitSteps(t, reader) {
  const { browser, baseUrl, step, watch, screenshot, maxMessageChars: max } = t;
  const chatId = await importChat(reader, baseUrl, exchangeFile('A long message', 'How long can a message be?', 'Long, up to a limit.'));

  await step('near MAX_MESSAGE_CHARS the composer counts what is left; over it the count is red and nothing is sent', async () => {
    const page = await reader.newPage();
    watch(page);
    try {
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(`/assistant/c/${chatId}`);
      const composer = page.getByRole('textbox', { name: 'Message' });
      const send = page.getByRole('button', { name: 'Send message' });
      const count = page.getByText(/ characters (left|over the limit)$/);
      const said = async () => ((await count.textContent({ timeout: 5_000 })) ?? '').replace(/\s+/g, ' ').trim();
      await page.getByRole('article', { name: 'Assistant replied' }).waitFor();

      await composer.fill('a'.repeat(max - 1001));
      assert.equal(await count.count(), 0, 'far from the limit: no count');
      await composer.fill('a'.repeat(max - 10));
      assert.equal(await said(), '10 characters left');
      assert.equal(await send.isEnabled(), true);
      assert.match((await composer.getAttribute('aria-describedby')) ?? '', /composer-limit/, 'the box names its count');

      await composer.fill('a'.repeat(max + 5));
      assert.equal(await said(), '5 characters over the limit');
      assert.equal(await composer.getAttribute('aria-invalid'), 'true');
      assert.equal(await send.isDisabled(), true, 'Send is off over the limit');
      const colours = await count.evaluate((el) => ({ count: getComputedStyle(el).color, danger: getComputedStyle(el).getPropertyValue('--danger') }));
      const probe = await page.evaluate((danger) => {
        const el = document.createElement('span');
        el.style.color = danger;
        document.body.append(el);
        const rgb = getComputedStyle(el).color;
        el.remove();
        return rgb;
      }, colours.danger);
      assert.equal(colours.count, probe, 'the count is in the danger colour');
      await composer.press('Enter');
      await page.waitForTimeout(500);
      assert.equal(await page.getByRole('article', { name: 'You said' }).count(), 1, 'Enter did not send it');
      await screenshot('desktop-composer-over-limit', page);
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300); // the sidebar slides out of the narrowed layout
      await screenshot('mobile-composer-over-limit', page);
      await page.setViewportSize({ width: 1280, height: 800 });

      // Exactly the limit is allowed, by the composer and by the server alike.
      await composer.fill(`${'b'.repeat(max - 4)} end`);
      assert.equal(await said(), '0 characters left');
      await send.click();
      await page.getByRole('article', { name: 'You said' }).filter({ hasText: 'bbbb end' }).waitFor();
      assert.equal(await page.getByRole('alert').count(), 0, 'the server took it');
      await send.waitFor({ timeout: 30_000 });
    } finally {
      await page.close();
    }
  });

  await step('in dark mode the over-limit count is red on the dark composer', async () => {
    const context = await browser.newContext({
      baseURL: baseUrl,
      colorScheme: 'dark',
      viewport: { width: 390, height: 844 },
      storageState: await reader.storageState(),
    });
    try {
      const page = await context.newPage();
      watch(page);
      await page.goto(`/assistant/c/${chatId}`);
      await page.getByRole('textbox', { name: 'Message' }).fill('c'.repeat(max + 120));
      await page.getByText('120 characters over the limit').waitFor();
      await screenshot('mobile-dark-composer-over-limit', page);
    } finally {
      await context.close();
    }
  });
}
