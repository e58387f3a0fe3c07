// On a touch phone (issue 18 item 10): Enter in the message box makes a new line, as in messaging
// apps, and the Send button sends.
import assert from 'node:assert/strict';
import { exchangeFile, importChat } from '../seed-chats.mjs';

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function touchComposerSteps(t, reader) {
  const { browser, baseUrl, step, watch } = t;
  const chatId = await importChat(reader, baseUrl, exchangeFile('On the phone', 'Can I write two lines?', 'Yes.'));

  await step('on a touch phone Enter makes a new line and the Send button sends', async () => {
    const phone = await browser.newContext({
      baseURL: baseUrl,
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      storageState: await reader.storageState(),
    });
    try {
      const page = await phone.newPage();
      watch(page);
      await page.goto(`/assistant/c/${chatId}`);
      const composer = page.getByRole('textbox', { name: 'Message' });
      await composer.tap();
      await composer.pressSequentially('First line');
      await composer.press('Enter');
      await composer.pressSequentially('second line');
      assert.equal(await composer.inputValue(), 'First line\nsecond line', 'Enter made a new line');
      assert.equal(await page.getByRole('article', { name: 'You said' }).count(), 1, 'nothing sent yet');
      await page.getByRole('button', { name: 'Send message' }).tap();
      await page.getByRole('article', { name: 'You said' }).filter({ hasText: 'second line' }).waitFor();
      await page.getByRole('button', { name: 'Send message' }).waitFor({ timeout: 30_000 });
    } finally {
      await phone.close();
    }
  });
}
