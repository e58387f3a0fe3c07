// Unsaved custom instructions (issue 18 item 17): leaving the settings screen with edits not saved
// asks first, in the app's own dialog (a link, Back, logging out), and closing the tab gets the
// browser's "Leave site?" prompt; saved instructions leave without a question.
import assert from 'node:assert/strict';
import { newReader } from '../seed-chats.mjs';

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function unsavedInstructionsSteps(t, reader) {
  const { browser, baseUrl, password, step, screenshot, watch } = t;

  await step('leaving edited, unsaved instructions asks first: Keep editing stays, Discard leaves; Back asks too', async () => {
    const page = await reader.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const native = [];
    page.on('dialog', (dialog) => {
      native.push(dialog.type());
      void dialog.dismiss();
    });
    try {
      await page.setViewportSize({ width: 1280, height: 800 });
      // Into the settings from the tasks screen in the app, so Back is a move within it.
      await page.goto('/tasks');
      await page.getByRole('link', { name: 'Assistant settings', exact: true }).click();
      await page.waitForURL('**/assistant/settings');
      const box = page.getByRole('textbox', { name: 'Custom instructions' });
      const ask = page.getByRole('alertdialog', { name: 'Discard unsaved instructions?' });
      const tasksLink = page.getByRole('link', { name: 'Tasks', exact: true });
      await page.getByText('Custom instructions', { exact: true }).first().waitFor();
      await box.click();
      await page.keyboard.type('Reply in French.');

      await tasksLink.click();
      await ask.waitFor();
      assert.ok(new URL(page.url()).pathname.endsWith('/assistant/settings'), 'still on the settings screen');
      assert.equal(await ask.getByRole('button', { name: 'Keep editing' }).evaluate((el) => el === document.activeElement), true, 'the safe answer has focus');
      await screenshot('desktop-unsaved-instructions', page);
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300); // the sidebar slides out of the narrowed layout
      await screenshot('mobile-unsaved-instructions', page);
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.keyboard.press('Escape');
      await ask.waitFor({ state: 'detached' });
      assert.equal(await box.inputValue(), 'Reply in French.', 'Esc keeps the edit');

      // Back, with the edit still unsaved: the URL stays, the question comes.
      // (history.back() in the page: Playwright's goBack waits for a load a same-document move never fires.)
      await page.evaluate(() => history.back());
      await ask.waitFor();
      await ask.getByRole('button', { name: 'Keep editing' }).click();
      await ask.waitFor({ state: 'detached' });
      assert.ok(new URL(page.url()).pathname.endsWith('/assistant/settings'), 'Back was held');
      assert.equal(await box.inputValue(), 'Reply in French.');

      await tasksLink.click();
      await ask.getByRole('button', { name: 'Discard changes' }).click();
      await page.waitForURL('**/tasks');
      await page.goto('/assistant/settings');
      await page
        .getByText(/Last saved|Custom instructions/)
        .first()
        .waitFor();
      await page.waitForTimeout(300);
      assert.equal(await box.inputValue(), '', 'the discarded edit was not saved');

      // Saved instructions leave without a question.
      await box.click();
      await page.keyboard.type('Keep it short.');
      await page.getByRole('button', { name: 'Save instructions' }).click();
      await page.getByText('Instructions saved').waitFor();
      await tasksLink.click();
      await page.waitForURL('**/tasks');
      assert.equal(await ask.count(), 0);
      assert.deepEqual(native, [], 'no browser dialog for in-app moves');
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  await step('on a phone a link in the drawer asks over the page, and closing the tab gets the browser\'s "Leave site?" prompt', async () => {
    const page = await reader.newPage();
    const native = [];
    page.on('dialog', (dialog) => {
      native.push(dialog.type());
      void dialog.accept();
    });
    // Saved instructions of its own, so this step stands alone.
    const saved = await reader.request.put('/api/agents/assistant/instructions', {
      data: { instructions: 'Keep it short.' },
      headers: { Origin: t.baseUrl },
    });
    assert.equal(saved.status(), 200, await saved.text());
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/assistant/settings');
    const box = page.getByRole('textbox', { name: 'Custom instructions' });
    await t.until(async () => (await box.inputValue()) === 'Keep it short.', { message: 'the saved instructions' });
    await box.click();
    await page.keyboard.type(' And friendly.');
    await page.getByText('Unsaved changes').waitFor();
    // From the phone's drawer: the question comes over the page, and Keep editing goes back to the text, not to the drawer.
    await page.getByRole('button', { name: 'Open chat list' }).click();
    await page.getByRole('complementary', { name: 'Chats and navigation' }).getByRole('link', { name: 'Tasks', exact: true }).click();
    const ask = page.getByRole('alertdialog', { name: 'Discard unsaved instructions?' });
    await ask.getByRole('button', { name: 'Keep editing' }).click();
    await page.getByRole('complementary', { name: 'Chats and navigation' }).waitFor({ state: 'hidden' });
    assert.equal(await box.evaluate((el) => el.closest('[inert]') === null), true, 'the text can be edited again');
    assert.equal(await box.inputValue(), 'Keep it short. And friendly.');
    await screenshot('mobile-unsaved-instructions-edit', page);
    const closed = new Promise((resolve) => page.once('close', resolve));
    await page.close({ runBeforeUnload: true });
    await closed;
    assert.deepEqual(native, ['beforeunload']);
  });

  await step('logging out with unsaved instructions asks first; Discard logs out', async () => {
    // An account of its own: this step ends its login.
    const leaver = await newReader(browser, baseUrl, password);
    try {
      const page = await leaver.newPage();
      watch(page);
      await page.goto('/assistant/settings');
      await page.getByRole('textbox', { name: 'Custom instructions' }).click();
      await page.keyboard.type('Never mind.');
      const ask = page.getByRole('alertdialog', { name: 'Discard unsaved instructions?' });
      await page.getByRole('button', { name: 'Log out' }).click();
      await ask.getByRole('button', { name: 'Keep editing' }).click();
      await ask.waitFor({ state: 'detached' });
      await page.waitForTimeout(300);
      assert.ok(new URL(page.url()).pathname.endsWith('/assistant/settings'), 'still signed in, still editing');
      const me = await page.evaluate(async () => (await fetch('/api/auth/me', { credentials: 'same-origin' })).status);
      assert.equal(me, 200, 'the login is still good');
      await page.getByRole('button', { name: 'Log out' }).click();
      await ask.getByRole('button', { name: 'Discard changes' }).click();
      await page.waitForURL('**/login');
    } finally {
      await leaver.close();
    }
  });
}
