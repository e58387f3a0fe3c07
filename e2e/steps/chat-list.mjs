// The chat list's own actions, as a user does them: rename, search by title, archive, delete.
import assert from 'node:assert/strict';

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `t`: the journey's page, step runner and helpers (see e2e/run.mjs); `chat`: the id and first
 * question of a chat of the journey's own, which these steps rename, archive and finally delete.
 */
export async function chatListSteps(t, chat) {
  const { page, step, until, chatIdOf, screenshot } = t;
  const sidebar = () => page.getByRole('complementary', { name: 'Chats and navigation' });
  const list = () => sidebar().getByRole('list');
  const rowLink = (title) => list().getByRole('link', { name: new RegExp(`^${escape(title)}`) });
  const actionsFor = (title) => sidebar().getByRole('button', { name: new RegExp(`^Actions for ${escape(title)}`) });
  // The open chat's row, whatever title the chat got from its first exchange.
  const openRow = () => list().getByRole('listitem').filter({ has: page.locator('a[aria-current="page"]') });
  const menu = () => page.getByRole('menu', { name: 'Chat actions' });
  const apiStatus = (path) => page.evaluate(async (p) => (await fetch(p)).status, path);
  const apiJson = (path) => page.evaluate(async (p) => (await fetch(p)).json(), path);
  const title = `Weekly plan ${Date.now().toString(36)}`;
  const otherChat = /^Hello there/;

  await step('a chat is renamed from its menu, and keeps the name after a reload', async () => {
    assert.ok(chat.planChatId, 'the chat from the failed-reply step');
    await page.waitForURL(`**/assistant/c/${chat.planChatId}`);
    await openRow().getByRole('button', { name: /^Actions for / }).click();
    await menu().getByRole('menuitem', { name: 'Rename' }).waitFor();
    await screenshot('desktop-chat-menu');
    await menu().getByRole('menuitem', { name: 'Rename' }).click();
    const field = sidebar().getByRole('textbox', { name: 'Chat title' });
    await field.fill(title);
    await field.press('Enter');
    await rowLink(title).waitFor();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    assert.equal(await actionsFor(title).evaluate((button) => button === document.activeElement), true, 'focus back on the row');
    await page.reload();
    await rowLink(title).waitFor();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    assert.equal((await apiJson(`/api/chats/${chat.planChatId}`)).chat.title, title);
  });

  await step('searching the chat list by title shows the chats that match, and only those', async () => {
    const search = sidebar().getByRole('searchbox', { name: 'Search chats' });
    await rowLink('Hello there').first().waitFor();
    const searches = [];
    const onRequest = (request) => {
      if (/\/api\/chats\?.*\bq=/.test(request.url())) searches.push(request.url());
    };
    page.on('request', onRequest);
    const typed = title.slice(0, 10).toUpperCase();
    await search.pressSequentially(typed, { delay: 40 });
    await until(async () => (await list().getByRole('link', { name: otherChat }).count()) === 0, { message: 'the other chat filtered out' });
    page.off('request', onRequest);
    assert.equal(await rowLink(title).count(), 1);
    // The list asks once typing pauses, not once per key (a slow machine may pause once mid-word).
    assert.ok(searches.length >= 1 && searches.length <= 2, `${searches.length} searches for ${typed.length} keystrokes`);
    await search.fill('no chat is called this');
    await sidebar().getByText('No chats match your search.').waitFor();
    await search.fill('');
    await rowLink('Hello there').first().waitFor();
    await rowLink(title).waitFor();
  });

  await step('an archived chat leaves the recent list and is found under Archived', async () => {
    await actionsFor(title).click();
    await menu().getByRole('menuitem', { name: 'Archive' }).click();
    await rowLink(title).waitFor({ state: 'detached' });
    // The server keeps it archived, not only this tab.
    await page.reload();
    await rowLink('Hello there').first().waitFor();
    assert.equal(await rowLink(title).count(), 0, 'not among recent chats');
    await sidebar().getByRole('button', { name: 'Archived' }).click();
    await sidebar().getByRole('heading', { name: 'Archived' }).waitFor();
    await rowLink(title).waitFor();
    assert.equal(await list().getByRole('link', { name: otherChat }).count(), 0, 'only archived chats');
  });

  await step('Delete… asks first, by keyboard and by click, and then the chat is gone for good', async () => {
    // Keyboard: Enter opens the menu on its first item; Tab reaches Delete…; Enter asks.
    await actionsFor(title).focus();
    await page.keyboard.press('Enter');
    await menu().getByRole('menuitem', { name: 'Rename' }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Delete…');
    await page.keyboard.press('Enter');
    await menu().getByText('Delete this chat and its messages?').waitFor({ timeout: 3_000 });
    await menu().getByRole('menuitem', { name: 'Cancel' }).click();
    // Click.
    await menu().getByRole('menuitem', { name: 'Delete…' }).click();
    await menu().getByText('Delete this chat and its messages?').waitFor({ timeout: 3_000 });
    await screenshot('desktop-delete-confirm');
    await menu().getByRole('menuitem', { name: 'Delete', exact: true }).click();
    await rowLink(title).waitFor({ state: 'detached' });
    // It was the open chat: the app moves on to another one.
    await page.waitForURL((url) => chatIdOf(url.href) !== null && chatIdOf(url.href) !== chat.planChatId);
    assert.equal(await apiStatus(`/api/chats/${chat.planChatId}`), 404);
    await page.reload();
    await rowLink('Hello there').first().waitFor();
    await sidebar().getByRole('button', { name: 'Archived' }).click();
    await sidebar().getByText('No archived chats.').waitFor();
    await sidebar().getByRole('button', { name: 'Back to recent' }).click();
    assert.equal(await rowLink(title).count(), 0);
  });
}
