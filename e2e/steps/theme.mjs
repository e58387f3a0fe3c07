// Dark mode (issue 18 item 7): the app follows the system's setting (Chromium's colorScheme), and
// a switch in the sidebar picks Light, Dark or System again, kept across reloads.
import assert from 'node:assert/strict';
import { exchangeFile, importChat, WIDE_REPLY } from '../seed-chats.mjs';

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1024, height: 768 },
  { width: 390, height: 844 },
];

/** Relative luminance (0 black … 1 white) of an element's background and text colours. */
function colours(page, selector) {
  return page.locator(selector).first().evaluate((el) => {
    const luminance = (css) => {
      const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    const style = getComputedStyle(el);
    return { background: luminance(style.backgroundColor), text: luminance(style.color) };
  });
}

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function themeSteps(t, reader) {
  const { browser, baseUrl, step, watch, screenshot } = t;
  const chatId = await importChat(reader, baseUrl, exchangeFile('Dark and light', 'How do I parse a date?', WIDE_REPLY));
  const inScheme = async (colorScheme) => {
    const context = await browser.newContext({ baseURL: baseUrl, colorScheme, storageState: await reader.storageState() });
    const page = await context.newPage();
    watch(page);
    await page.setViewportSize(SIZES[0]);
    await page.goto(`/assistant/c/${chatId}`);
    await page.getByRole('article', { name: 'Assistant replied' }).getByRole('table').waitFor();
    return { context, page };
  };
  const theme = (page) => page.getByRole('group', { name: 'Theme' });
  const isDark = async (page) => {
    const body = await colours(page, 'body');
    const bubble = await colours(page, 'article[aria-label="Assistant replied"] .bubble');
    const dark = body.background < 0.2 && body.text > 0.7 && bubble.background < 0.2;
    const light = body.background > 0.8 && body.text < 0.3 && bubble.background > 0.8;
    assert.ok(dark || light, `a consistent theme (body ${JSON.stringify(body)}, bubble ${JSON.stringify(bubble)})`);
    return dark;
  };

  await step('with the system in dark mode the app is dark; Light and System from the switch, kept after a reload', async () => {
    const { context, page } = await inScheme('dark');
    try {
      assert.equal(await theme(page).getByRole('radio', { name: 'System' }).isChecked(), true);
      assert.equal(await isDark(page), true, 'dark like the system');
      for (const size of SIZES) {
        await page.setViewportSize(size);
        // The sidebar slides away below 820 px: shoot once it has.
        await page.waitForTimeout(350);
        await screenshot(`theme-dark-${size.width}`, page);
      }
      await page.setViewportSize(SIZES[0]);
      await theme(page).getByText('Light', { exact: true }).click();
      assert.equal(await isDark(page), false, 'Light overrides the system');
      await page.reload();
      await page.getByRole('article', { name: 'Assistant replied' }).waitFor();
      assert.equal(await theme(page).getByRole('radio', { name: 'Light' }).isChecked(), true, 'the choice is kept');
      assert.equal(await isDark(page), false, 'and applied after a reload');
      await theme(page).getByText('System', { exact: true }).click();
      assert.equal(await isDark(page), true, 'System follows the system again');
    } finally {
      await context.close();
    }
  });

  await step('with the system in light mode the app is light, and Dark from the switch, by keyboard, makes it dark', async () => {
    const { context, page } = await inScheme('light');
    try {
      assert.equal(await isDark(page), false);
      for (const size of SIZES) {
        await page.setViewportSize(size);
        // The sidebar slides away below 820 px: shoot once it has.
        await page.waitForTimeout(350);
        await screenshot(`theme-light-${size.width}`, page);
      }
      await page.setViewportSize(SIZES[0]);
      // A radio group: focus the checked option, arrows move the choice.
      await theme(page).getByRole('radio', { name: 'System' }).focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      assert.equal(await theme(page).getByRole('radio', { name: 'Dark' }).isChecked(), true);
      assert.equal(await isDark(page), true, 'Dark overrides the system');
      await page.setViewportSize(SIZES[2]);
      await page.getByRole('button', { name: 'Open chat list' }).click();
      await page.waitForTimeout(300);
      await screenshot('theme-dark-390-drawer', page);
      await page.keyboard.press('Escape');
    } finally {
      await context.close();
    }
  });
}
