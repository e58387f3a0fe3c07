// The keyboard (issue 18 item 9): Esc stops a reply, Ctrl+Shift+O starts a chat, Shift+Esc goes to
// the message box, arrow keys move through a chat's menu, and Ctrl+/ lists all of it.
import assert from 'node:assert/strict';
import { exchangeFile, importChat } from '../seed-chats.mjs';

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function keyboardSteps(t, reader) {
  const { baseUrl, step, until, watch, screenshot, chatIdOf } = t;
  const chatId = await importChat(reader, baseUrl, exchangeFile('Keyboard only', 'Can I do this without a mouse?', 'Yes: every control is a key away.'));
  const page = await reader.newPage();
  watch(page);
  const composer = page.getByRole('textbox', { name: 'Message' });
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim() ?? null);
  const sidebar = page.getByRole('complementary', { name: 'Chats and navigation' });

  await step('Ctrl+/ opens the shortcuts sheet as a modal dialog; Esc closes it and focus returns', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`/assistant/c/${chatId}`);
    await page.getByRole('article', { name: 'Assistant replied' }).waitFor();
    await sidebar.getByRole('searchbox', { name: 'Search chats' }).focus();
    await page.keyboard.press('Control+/');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.waitFor();
    for (const does of ['New chat', 'Focus the message box', 'Stop the reply', 'Show keyboard shortcuts'])
      assert.equal(await sheet.getByText(does, { exact: true }).count(), 1, `the sheet lists "${does}"`);
    assert.equal(await sheet.evaluate((el) => el.matches(':modal')), true, 'modal: the page behind is inert');
    await screenshot('keyboard-shortcuts-sheet', page);
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
    assert.equal(await focused(), 'Search chats', 'focus back where it was');
  });

  await step('Shift+Esc moves focus to the message box from anywhere', async () => {
    await sidebar.getByRole('link', { name: /^Keyboard only/ }).focus();
    await page.keyboard.press('Shift+Escape');
    assert.equal(await composer.evaluate((el) => el === document.activeElement), true);
  });

  await step('arrow keys, Home and End move through a chat menu; Esc closes it back on its button', async () => {
    const actions = sidebar.getByRole('button', { name: /^Actions for Keyboard only/ });
    await actions.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByRole('menu', { name: 'Chat actions' });
    await menu.waitFor();
    assert.equal(await focused(), 'Rename');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(), 'Archive');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(), 'Delete…');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(), 'Rename', 'wraps to the first');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focused(), 'Delete…', 'and back to the last');
    await page.keyboard.press('Home');
    assert.equal(await focused(), 'Rename');
    await page.keyboard.press('End');
    assert.equal(await focused(), 'Delete…');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    assert.equal(await actions.evaluate((el) => el === document.activeElement), true);
  });

  await step('Esc stops a streaming reply and keeps what was written', async () => {
    await composer.fill('Tell me a slow story [[slow]]');
    await composer.press('Enter');
    const streaming = t.streamingBubble(page);
    await until(async () => /token3\b/.test((await streaming.textContent().catch(() => '')) ?? ''), { message: 'a few slow tokens' });
    await page.keyboard.press('Escape');
    const reply = page.getByRole('article', { name: 'Assistant replied' }).last();
    await reply.getByText('Stopped').waitFor({ timeout: 15_000 });
    assert.doesNotMatch((await reply.textContent()) ?? '', /token60/);
  });

  await step('Ctrl+Shift+O starts a new chat', async () => {
    await page.keyboard.press('Control+Shift+O');
    await page.waitForURL((url) => chatIdOf(url.href) !== null && chatIdOf(url.href) !== chatId);
    await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
  });

  await page.close();
}
