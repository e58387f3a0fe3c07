// The chat list a ChatGPT user expects (issue 18 item 13): chats under date headings by the day
// they last changed in the user's own time zone, and titles the model writes after the first
// reply, shown without a reload — while a rename made meanwhile wins.
import assert from 'node:assert/strict';
import { exchangeFile, importChat, newReader } from '../seed-chats.mjs';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** UTC+9 all year: 00:30 there is still the day before in UTC. */
const ZONE = 'Asia/Tokyo';
const ZONE_OFFSET_MS = 9 * HOUR_MS;

/** `t`: the journey's helpers (see e2e/run.mjs). */
export async function chatTitleSteps(t) {
  const { browser, baseUrl, password, step, until, watch, screenshot } = t;

  await step('the chat list groups chats under Today, Yesterday, Previous 7 days, Previous 30 days and months, by the user’s own day', async () => {
    const reader = await newReader(browser, baseUrl, password, { timezoneId: ZONE });
    try {
      // "Now" is 10:00 in Tokyo (01:00 UTC), the latest such moment, so the server's clock agrees within a day.
      const now = Math.floor((Date.now() + ZONE_OFFSET_MS - 10 * HOUR_MS) / DAY_MS) * DAY_MS + 10 * HOUR_MS - ZONE_OFFSET_MS;
      const seeds = [
        ['Midnight ramen', now - 9.5 * HOUR_MS], // 00:30 in Tokyo today; yesterday in UTC
        ['Train times', now - DAY_MS],
        ['Kyoto temples', now - 4 * DAY_MS],
        ['Visa questions', now - 20 * DAY_MS],
        ['Cherry blossom dates', now - 75 * DAY_MS],
      ];
      for (const [title, at] of seeds) {
        const file = exchangeFile(title, `About ${title.toLowerCase()}?`, `Here is what I know about **${title.toLowerCase()}**.`);
        file.chat = { ...file.chat, id: `seed-${title.toLowerCase().replace(/\W+/g, '-')}`, createdAt: at, updatedAt: at };
        file.messages = file.messages.map((m) => ({ ...m, createdAt: at }));
        await importChat(reader, baseUrl, file);
      }
      const page = await reader.newPage();
      watch(page);
      await page.clock.setFixedTime(now);
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto('/');
      const list = page.getByRole('complementary', { name: 'Chats and navigation' }).getByRole('list');
      await list.getByRole('link', { name: /^Midnight ramen/ }).waitFor();
      await page.getByRole('article', { name: 'You said' }).first().waitFor();
      const month = new Intl.DateTimeFormat('en-US', { month: 'long', timeZone: ZONE }).format(now - 75 * DAY_MS);
      const year = new Date(now + ZONE_OFFSET_MS).getUTCFullYear() === new Date(now + ZONE_OFFSET_MS - 75 * DAY_MS).getUTCFullYear();
      const oldest = year ? month : `${month} ${new Date(now + ZONE_OFFSET_MS - 75 * DAY_MS).getUTCFullYear()}`;
      // Each heading, then the chats under it, in the list's order.
      const shown = await list.locator(':scope > li').evaluateAll((items) =>
        items.map((li) => (li.querySelector('h3') ? `# ${li.textContent?.trim()}` : (li.querySelector('.chat-title')?.textContent?.trim() ?? ''))),
      );
      assert.deepEqual(shown, [
        '# Today',
        'Midnight ramen',
        '# Yesterday',
        'Train times',
        '# Previous 7 days',
        'Kyoto temples',
        '# Previous 30 days',
        'Visa questions',
        `# ${oldest}`,
        'Cherry blossom dates',
      ]);
      await screenshot('chat-list-date-groups', page);
      await page.emulateMedia({ colorScheme: 'dark' });
      await screenshot('chat-list-date-groups-dark', page);
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByRole('button', { name: 'Open chat list' }).click();
      await page.waitForTimeout(400); // the drawer's slide
      await screenshot('chat-list-date-groups-mobile-dark', page);
      await page.emulateMedia({ colorScheme: 'light' });
      await screenshot('chat-list-date-groups-mobile', page);
      await page.close();
    } finally {
      await reader.close();
    }
  });

  await step('after the first reply the model titles the chat, in the sidebar and the header without a reload; a rename made meanwhile wins', async () => {
    const reader = await newReader(browser, baseUrl, password);
    try {
      const page = await reader.newPage();
      watch(page);
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto('/');
      await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
      await page.evaluate(() => (window.__sameDocument = true));
      const sidebar = page.getByRole('complementary', { name: 'Chats and navigation' });
      const composer = page.getByRole('textbox', { name: 'Message' });
      const idle = () => page.getByRole('button', { name: 'Send message' }).waitFor({ timeout: 30_000 });

      // The title lands a while after the reply (as from a real model), so only the live channel can bring it.
      await composer.fill('plan a quiet weekend in Porto with friends, please [[titlewait:1500]]');
      await composer.press('Enter');
      await idle();
      await sidebar.getByRole('link', { name: /^plan a quiet weekend in Porto with friends/ }).waitFor();
      await sidebar.getByRole('link', { name: /^Plan a quiet weekend in Porto\b/ }).waitFor();
      await page.getByRole('heading', { level: 1, name: 'Plan a quiet weekend in Porto', exact: true }).waitFor();
      assert.equal(await sidebar.getByRole('link', { name: /^plan a quiet weekend in Porto with friends, please/ }).count(), 0, 'the first message is no longer the title');
      assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
      await screenshot('chat-title-generated', page);

      // A second chat, whose title request takes 3 s: the user renames it first, and the rename stays.
      await sidebar.getByRole('button', { name: 'New chat', exact: true }).click();
      await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
      await composer.fill('ideas for a birthday dinner at home [[titlewait:3000]]');
      await composer.press('Enter');
      await idle();
      const titleLog = async () => (await fetch(new URL('/__titles?contains=birthday%20dinner', t.mockUrl))).json();
      await until(async () => (await titleLog()).requests.length === 1, { message: 'the title request on its way' });
      const row = sidebar.getByRole('listitem').filter({ has: page.locator('a[aria-current="page"]') });
      await row.getByRole('button', { name: /^Actions for / }).click();
      await page.getByRole('menu', { name: 'Chat actions' }).getByRole('menuitem', { name: 'Rename' }).click();
      const field = sidebar.getByRole('textbox', { name: 'Chat title' });
      await field.fill('Mum turns 70');
      await field.press('Enter');
      await sidebar.getByRole('link', { name: /^Mum turns 70/ }).waitFor();
      await until(async () => (await titleLog()).statuses[0] === 200, { timeoutMs: 10_000, message: 'the title request to be answered' });
      await page.waitForTimeout(500);
      assert.equal(await sidebar.getByRole('link', { name: /^Ideas for a birthday dinner/ }).count(), 0, 'the generated title did not replace the rename');
      await page.reload();
      await sidebar.getByRole('link', { name: /^Mum turns 70/ }).waitFor();
      await page.getByRole('heading', { level: 1, name: 'Mum turns 70' }).waitFor();
      await page.close();
    } finally {
      await reader.close();
    }
  });
}
