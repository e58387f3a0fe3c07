// Streaming into a long chat (issue 18 item 8): with all 500 messages of a chat in the page, a
// reply streams without a main-thread task over 50 ms — finished messages render once, only the
// streaming one updates. Read as CPU time (e2e/main-thread.mjs), so a machine busy with other
// work does not fail it; the wall-time count is logged beside it. bench/browser-longtasks.mjs
// measures the same over longer replies.
import assert from 'node:assert/strict';
import { log } from '../harness.mjs';
import { LONG_TASK_MS, watchMainThread } from '../main-thread.mjs';
import { importChat, longChatFile } from '../seed-chats.mjs';

const MESSAGES = 500;
const TOKENS = 200;

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function longChatSteps(t, reader) {
  const { baseUrl, step, until, watch } = t;
  const chatId = await importChat(reader, baseUrl, longChatFile(MESSAGES));
  const page = await reader.newPage();
  watch(page);

  await step(`a reply streams into a ${MESSAGES}-message chat without a main-thread task over ${LONG_TASK_MS} ms`, async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`/assistant/c/${chatId}`);
    const messages = page.getByRole('log', { name: 'Messages' });
    await messages.getByRole('article', { name: 'Assistant replied' }).last().waitFor();
    const older = page.getByRole('button', { name: /^(Load earlier messages|Loading…)$/ });
    const thread = page.getByRole('region', { name: 'Conversation' }).locator('.scroller');
    await until(
      async () => {
        await thread.evaluate((el) => el.scrollTo({ top: 0 }));
        return (await older.count()) === 0;
      },
      { timeoutMs: 40_000, message: 'every page of the chat loaded' },
    );
    assert.equal(await messages.getByRole('article').count(), MESSAGES, 'all of the chat in the page');
    await thread.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForTimeout(500);

    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill(`One more answer [[tokens:${TOKENS}]] [[delay:15]]`);
    // While measuring, the test itself stays off the page's main thread: a role query over 500
    // messages (Playwright's locators) is a long task of its own. A handle and one cheap selector.
    const box = await composer.elementHandle();
    const stop = await watchMainThread(page);
    await box.press('Enter');
    await page.waitForFunction(
      (last) => {
        const replies = document.querySelectorAll('[role="log"] article[aria-label="Assistant replied"]');
        return !document.querySelector('[role="log"] [aria-busy="true"]') && replies[replies.length - 1]?.textContent?.includes(last);
      },
      `token${TOKENS}`,
      { timeout: 30_000, polling: 250 },
    );
    await page.waitForTimeout(300);
    const seen = await stop();
    log(`  ${MESSAGES}-message chat, ${TOKENS} tokens: ${seen.cpu.length} tasks over ${LONG_TASK_MS} ms of CPU (longest ${seen.cpuMaxMs} ms), ${seen.wall.length} over ${LONG_TASK_MS} ms of wall time`);
    assert.deepEqual(seen.cpu, [], `no main-thread task over ${LONG_TASK_MS} ms of CPU while streaming`);
  });

  await page.close();
}
