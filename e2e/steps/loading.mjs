// Loading states (issue 18 item 12): while the chat list and the chat are on their way, the list
// shows placeholder rows and the header no title, not "No chats yet." and "New chat".
import assert from 'node:assert/strict';
import { exchangeFile, importChat } from '../seed-chats.mjs';

const HOLD_MS = 2_500;

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function loadingSteps(t, reader) {
  const { baseUrl, step, watch, screenshot } = t;
  const title = 'Slow network notes';
  const chatId = await importChat(reader, baseUrl, exchangeFile(title, 'Does it work on a train?', 'Yes, it waits for the network.'));
  const page = await reader.newPage();
  watch(page);

  await step('while loading, the chat list shows placeholder rows and the header no title; then the chats and the title', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    // A slow network: the agents, the list and the chat's session answer late.
    await page.route(/\/api\/(agents$|chats\?|sessions$)/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
      await route.continue();
    });
    await page.goto(`/assistant/c/${chatId}`);
    const sidebar = page.getByRole('complementary', { name: 'Chats and navigation' });
    const list = sidebar.getByRole('list').first();
    // From the first frame the list is shown, and for as long as the answers take.
    await list.waitFor();
    const busy = page.locator('ul[aria-busy="true"]');
    assert.equal(await busy.count(), 1, 'the list is busy');
    assert.ok((await busy.locator('li').count()) >= 1, 'placeholder rows in the busy list');
    await screenshot('loading', page);
    assert.equal(await sidebar.getByText('No chats yet.').count(), 0, 'not "No chats yet." while loading');
    assert.equal((await page.getByRole('heading', { level: 1 }).textContent())?.trim(), '', 'no title yet, not "New chat"');
    await list.getByRole('link', { name: new RegExp(`^${title}`) }).waitFor({ timeout: 15_000 });
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    assert.equal(await page.locator('ul[aria-busy="true"]').count(), 0);
    await page.unroute(/\/api\/(agents$|chats\?|sessions$)/);
  });

  await page.close();
}
