// An archived chat (issue 18 item 15) says so where the composer would be and offers Unarchive,
// which brings the composer back and the chat back among the recent ones.
import assert from 'node:assert/strict';
import { exchangeFile, importChat } from '../seed-chats.mjs';

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function archivedChatSteps(t, reader) {
  const { baseUrl, step, watch, screenshot } = t;
  const title = 'Old travel plans';
  const chatId = await importChat(reader, baseUrl, exchangeFile(title, 'Where should we go in May?', 'Porto, for the light.'));
  const archived = await reader.request.patch(`/api/chats/${chatId}`, { data: { archived: true }, headers: { Origin: baseUrl } });
  assert.equal(archived.status(), 200, await archived.text());
  const page = await reader.newPage();
  watch(page);

  await step('an archived chat says so instead of offering a composer, and Unarchive brings the composer back', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`/assistant/c/${chatId}`);
    const notice = page.getByRole('region', { name: 'Archived chat' });
    await notice.getByText('This chat is archived.').waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Message' }).count(), 0, 'no composer on an archived chat');
    await screenshot('archived-chat', page);
    await notice.getByRole('button', { name: 'Unarchive' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await notice.waitFor({ state: 'detached' });
    const recent = page.getByRole('complementary', { name: 'Chats and navigation' }).getByRole('list');
    await recent.getByRole('link', { name: new RegExp(`^${title}`) }).waitFor();
    await page.reload();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    assert.equal(await notice.count(), 0, 'still unarchived after a reload');
  });

  await page.close();
}
