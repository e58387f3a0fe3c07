// The phone's chat-list drawer is modal (issue 18 item 10): opening it moves focus in, Tab cycles
// inside it, the page behind is inert, and Esc or a chat taken closes it with focus back on the
// button that opened it. A reply's timings open with a tap or from the keyboard, not on hover only.
import assert from 'node:assert/strict';
import { exchangeFile, importChat } from '../seed-chats.mjs';

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function drawerModalSteps(t, reader) {
  const { browser, baseUrl, step, watch, screenshot } = t;
  const first = await importChat(reader, baseUrl, exchangeFile('Drawer first', 'Where is the list?', 'Behind the menu button.'));
  const second = await importChat(reader, baseUrl, exchangeFile('Drawer second', 'And back?', 'Esc, or pick a chat.'));

  await step('the phone drawer is modal: focus moves in, Tab cycles inside, the page behind is inert, Esc gives focus back', async () => {
    const page = await reader.newPage();
    watch(page);
    try {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`/assistant/c/${first}`);
      await page.getByRole('article', { name: 'Assistant replied' }).waitFor();
      const opener = page.getByRole('button', { name: 'Open chat list' });
      const drawer = page.getByRole('complementary', { name: 'Chats and navigation' });
      const where = () =>
        page.evaluate(() => {
          const active = document.activeElement;
          const aside = document.querySelector('aside[aria-label="Chats and navigation"]');
          return {
            inDrawer: aside?.contains(active) ?? false,
            label: active?.getAttribute('aria-label') ?? active?.textContent?.trim().slice(0, 40) ?? null,
            composerInert: document.getElementById('composer-input')?.closest('[inert]') != null,
          };
        });

      await opener.focus();
      await page.keyboard.press('Enter');
      await drawer.getByRole('link', { name: /Drawer second/ }).waitFor();
      const opened = await where();
      assert.equal(opened.inDrawer, true, `focus moved into the drawer (on "${opened.label}")`);
      assert.equal(opened.composerInert, true, 'the page behind is inert');
      assert.equal(await opener.evaluate((el) => el.closest('[inert]') != null), true, 'the top bar too');

      // Tab all the way round: never out of the drawer, and back where it started.
      const start = opened.label;
      let wrapped = false;
      for (let i = 0; i < 150; i++) {
        await page.keyboard.press('Tab');
        const now = await where();
        assert.equal(now.inDrawer, true, `Tab ${i + 1} stayed in the drawer (on "${now.label}")`);
        if (now.label === start) {
          wrapped = true;
          break;
        }
      }
      assert.ok(wrapped, 'Tab cycled back to the first stop');
      await page.keyboard.press('Shift+Tab');
      assert.equal((await where()).inDrawer, true, 'Shift+Tab from the first stop wraps to the last');
      await page.waitForTimeout(250);
      await screenshot('mobile-drawer-modal', page);

      await page.keyboard.press('Escape');
      await drawer.waitFor({ state: 'hidden' });
      assert.equal(await opener.evaluate((el) => el === document.activeElement), true, 'Esc gave focus back to the menu button');
      assert.equal((await where()).composerInert, false, 'the page is live again');

      // Taking a chat from the drawer closes it; focus does not fall to the page's body.
      await opener.click();
      await drawer.getByRole('link', { name: /Drawer second/ }).click();
      await page.waitForURL(`**/assistant/c/${second}`);
      await drawer.waitFor({ state: 'hidden' });
      const after = await page.evaluate(() => document.activeElement?.tagName ?? null);
      assert.notEqual(after, 'BODY', 'focus landed somewhere, not on the page body');
      assert.equal((await where()).inDrawer, false);
    } finally {
      await page.close();
    }
  });

  await step("on a touch phone a reply's timings show without hover and open with a tap", async () => {
    const phone = await browser.newContext({
      baseURL: baseUrl,
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      colorScheme: 'dark',
      storageState: await reader.storageState(),
    });
    try {
      const page = await phone.newPage();
      watch(page);
      await page.goto(`/assistant/c/${second}`);
      await page.getByRole('textbox', { name: 'Message' }).fill('How long did that take?');
      await page.getByRole('button', { name: 'Send message' }).tap();
      const reply = page.getByRole('article', { name: 'Assistant replied' }).last();
      const toggle = reply.getByRole('button', { name: /^Timing breakdown/ });
      await toggle.waitFor({ timeout: 30_000 });
      assert.equal(await toggle.evaluate((el) => getComputedStyle(el).opacity), '1', 'shown without hovering');
      await toggle.tap();
      await reply.getByRole('list', { name: 'Turn stages' }).waitFor();
      await page.waitForTimeout(300);
      await screenshot('mobile-dark-timing-tap', page);
    } finally {
      await phone.close();
    }
  });

  await step("from the keyboard a reply's timing line shows when Tab reaches it", async () => {
    const page = await reader.newPage();
    watch(page);
    try {
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(`/assistant/c/${second}`);
      const reply = page.getByRole('article', { name: 'Assistant replied' }).last();
      const toggle = reply.getByRole('button', { name: /^Timing breakdown/ });
      await toggle.waitFor();
      await page.mouse.move(5, 5);
      assert.equal(await toggle.evaluate((el) => getComputedStyle(el).opacity), '0', 'unobtrusive until wanted');
      // Tab from the reply's text to its first control, the timing line.
      await reply.locator('.bubble').evaluate((el) => {
        el.tabIndex = -1;
        el.focus();
      });
      for (let i = 0; i < 10 && !(await toggle.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
      assert.equal(await toggle.evaluate((el) => el === document.activeElement), true, 'Tab reaches the timing line');
      await page.waitForTimeout(250);
      assert.equal(await toggle.evaluate((el) => getComputedStyle(el).opacity), '1', 'and it shows');
      await page.keyboard.press('Enter');
      await reply.getByRole('list', { name: 'Turn stages' }).waitFor();
      await screenshot('desktop-timing-keyboard', page);
    } finally {
      await page.close();
    }
  });

  await step("a reply's plain timing line (stored before stages were counted) shows while focus is in the reply", async () => {
    const page = await reader.newPage();
    watch(page);
    // Such replies predate the stages; strip them from the messages the chat opens with to get one.
    await page.route('**/api/sessions', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const response = await route.fetch();
      const body = await response.json();
      for (const m of body.messages ?? []) if (m.timings) delete m.timings.stages;
      await route.fulfill({ response, json: body });
    });
    try {
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(`/assistant/c/${second}`);
      const reply = page.getByRole('article', { name: 'Assistant replied' }).last();
      const summary = reply.getByText(/First token .* total/);
      await summary.waitFor({ state: 'attached' });
      assert.equal(await reply.getByRole('button', { name: /^Timing breakdown/ }).count(), 0, 'no stages: the plain line');
      await page.mouse.move(5, 5);
      const opacity = () => summary.evaluate((el) => getComputedStyle(el).opacity);
      assert.equal(await opacity(), '0', 'unobtrusive until wanted');
      await reply.getByRole('button', { name: 'Copy message' }).focus();
      await page.waitForTimeout(250);
      assert.equal(await opacity(), '1', 'shown with focus in the reply');
    } finally {
      await page.close();
    }
  });
}
