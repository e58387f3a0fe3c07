// Reading back during a reply (issue 18 item 6): scrolling up stops the thread from following the
// reply and offers "Scroll to bottom", which brings the reader back to the end and follows again.
import assert from 'node:assert/strict';
import { importChat, longChatFile } from '../seed-chats.mjs';

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function followingSteps(t, reader) {
  const { baseUrl, step, until, watch, screenshot } = t;
  const chatId = await importChat(reader, baseUrl, longChatFile(30, 'Reading back'));
  const page = await reader.newPage();
  watch(page);

  await step('scrolling up during a reply shows "Scroll to bottom", which returns to the end and follows the reply again', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`/assistant/c/${chatId}`);
    const messages = page.getByRole('log', { name: 'Messages' });
    await messages.getByText('Question 15:').waitFor();
    const jump = page.getByRole('button', { name: 'Scroll to bottom' });
    const thread = page.getByRole('region', { name: 'Conversation' }).locator('.scroller');
    const position = () => thread.evaluate((el) => ({ top: el.scrollTop, fromEnd: el.scrollHeight - el.scrollTop - el.clientHeight }));
    const streamed = async () => (await t.streamingBubble(page).textContent().catch(() => '')) ?? '';
    assert.equal(await jump.count(), 0, 'at the end of the chat: no button');

    await page.getByRole('textbox', { name: 'Message' }).fill('Tell me more [[tokens:150]] [[delay:60]]');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await until(async () => /token5\b/.test(await streamed()), { message: 'the reply streaming' });
    const box = await thread.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -1500);
    await jump.waitFor();
    const readingAt = await position();
    const tokensThen = (await streamed()).length;
    await until(async () => (await streamed()).length > tokensThen + 40, { message: 'more of the reply' });
    const later = await position();
    assert.ok(Math.abs(later.top - readingAt.top) < 2, `the thread stays where the reader is (${readingAt.top} → ${later.top})`);
    await screenshot('following-scroll-to-bottom', page);

    await jump.click();
    await jump.waitFor({ state: 'detached' });
    assert.ok((await position()).fromEnd < 96, 'back at the end');
    const tokensNow = (await streamed()).length;
    await until(async () => (await streamed()).length > tokensNow + 40, { message: 'more of the reply' });
    assert.ok((await position()).fromEnd < 96, 'and following the reply as it grows');
    await page.getByRole('button', { name: 'Send message' }).waitFor({ timeout: 30_000 });
  });

  await page.close();
}
