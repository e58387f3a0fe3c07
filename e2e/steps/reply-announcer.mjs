// Screen readers (issue 18 item 18): the chat has one polite live region, which says a reply once,
// whole, when it has finished; the streaming bubble (and the message log) are not live regions,
// or every token would be read out.
import assert from 'node:assert/strict';
import { exchangeFile, importChat } from '../seed-chats.mjs';

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function replyAnnouncerSteps(t, reader) {
  const { baseUrl, step, until, watch } = t;
  const chatId = await importChat(reader, baseUrl, exchangeFile('Heard, not seen', 'Will you read this out?', 'Once, when it is done.'));

  await step('a finished reply is announced once, whole, by the one live region; the streaming bubble is not live', async () => {
    const page = await reader.newPage();
    watch(page);
    try {
      await page.goto(`/assistant/c/${chatId}`);
      const conversation = page.getByRole('region', { name: 'Conversation' });
      await page.getByRole('article', { name: 'Assistant replied' }).waitFor();
      assert.equal(await conversation.locator('[aria-live="polite"]').count(), 1, 'one polite live region in the chat');
      // Every text the region takes, as a screen reader would be handed it.
      await conversation.locator('[aria-live="polite"]').evaluate((region) => {
        window.__announced = [];
        new MutationObserver(() => window.__announced.push(region.textContent ?? '')).observe(region, { childList: true, subtree: true, characterData: true });
      });

      await page.getByRole('textbox', { name: 'Message' }).fill('Count to twelve [[tokens:12]] [[delay:120]]');
      await page.getByRole('textbox', { name: 'Message' }).press('Enter');
      const bubble = page.getByRole('log', { name: 'Messages' }).locator('article[aria-busy="true"]');
      await until(async () => /token3\b/.test((await bubble.textContent().catch(() => '')) ?? ''), { message: 'the reply streaming' });
      const whileStreaming = await page.evaluate(() => {
        const log = document.querySelector('[role="log"][aria-label="Messages"]');
        const busy = log?.querySelector('article[aria-busy="true"]');
        return {
          logLive: log?.getAttribute('aria-live') ?? null,
          liveInBubble: busy ? [...busy.querySelectorAll('[aria-live]')].length + (busy.closest('[aria-live]:not([aria-live="off"])') ? 1 : 0) : -1,
          announced: [...window.__announced],
        };
      });
      assert.equal(whileStreaming.liveInBubble, 0, 'nothing in or around the streaming bubble is live');
      assert.equal(whileStreaming.logLive, 'off', 'the log does not read out its additions');
      assert.deepEqual(
        whileStreaming.announced.filter((s) => s.trim()),
        [],
        'nothing announced mid-reply',
      );

      await page.getByRole('button', { name: 'Send message' }).waitFor({ timeout: 30_000 });
      const reply = page.getByRole('article', { name: 'Assistant replied' }).last();
      const replyText = ((await reply.getByText(/^token1 token2/).textContent()) ?? '').replace(/\s+/g, ' ').trim();
      assert.match(replyText, /^token1 token2 .* token12$/);
      await until(async () => ((await conversation.locator('[aria-live="polite"]').textContent()) ?? '').trim() === replyText, { message: 'the announcement' });
      await page.waitForTimeout(500);
      const announced = (await page.evaluate(() => window.__announced)).map((s) => s.replace(/\s+/g, ' ').trim()).filter(Boolean);
      assert.deepEqual(announced, [replyText], 'the finished reply, once, and no partial text');
    } finally {
      await page.close();
    }
  });
}
