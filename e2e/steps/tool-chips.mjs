// Tool use inside the reply it belongs to (issue 18 item 14): the chips of a turn's tool calls sit
// at the top of the reply bubble they led to — while it streams, once it is stored, and after a
// reload — and never make an assistant row of their own.
import assert from 'node:assert/strict';

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function toolChipSteps(t, reader) {
  const { step, until, watch, screenshot } = t;
  const page = await reader.newPage();
  watch(page);
  const log = page.getByRole('log', { name: 'Messages' });
  const replies = log.getByRole('article', { name: 'Assistant replied' });
  /** Each reply row: its chips' names and whether its bubble comes after them. */
  const rows = () =>
    replies.evaluateAll((articles) =>
      articles.map((a) => {
        const chips = [...a.querySelectorAll('button[aria-expanded]')].filter((b) => b.closest('.tools'));
        const bubble = a.querySelector('.bubble');
        return {
          chips: chips.map((b) => b.querySelector('.name')?.textContent ?? ''),
          text: bubble?.textContent?.trim() ?? '',
          chipsFirst: chips.length > 0 && bubble !== null && !!(chips[0].compareDocumentPosition(bubble) & Node.DOCUMENT_POSITION_FOLLOWING),
          busy: a.getAttribute('aria-busy') === 'true',
        };
      }),
    );

  await step('a tool call shows as a chip at the top of its reply while it streams, once stored and after a reload — never as a row of its own', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('/');
    await page.waitForURL(/\/assistant\/c\/[\w-]+$/);
    // A chat of its own: the reader's other steps left chats behind.
    const before = page.url();
    await page.getByRole('button', { name: 'New chat', exact: true }).click();
    await page.waitForURL((url) => url.href !== before);
    await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
    const composer = page.getByRole('textbox', { name: 'Message' });
    // Slow tokens, so the reply is seen streaming below its chip.
    await composer.fill('add a task to water the ferns [[delay:120]]');
    await composer.press('Enter');
    const live = await until(
      async () => {
        const now = await rows();
        const streaming = now.find((r) => r.busy);
        return streaming && /Done/.test(streaming.text) ? now : null;
      },
      { message: 'the reply streaming after its tool call' },
    );
    assert.equal(live.length, 1, `one reply row while streaming (${JSON.stringify(live)})`);
    assert.deepEqual(live[0].chips, ['Create task']);
    assert.ok(live[0].chipsFirst, 'the chip is above the streaming text');
    await screenshot('tool-chip-streaming', page);

    await page.getByRole('button', { name: 'Send message' }).waitFor({ timeout: 30_000 });
    await until(async () => (await log.locator('[aria-busy="true"]').count()) === 0, { message: 'the reply to finish' });
    const settle = async (when) => {
      const stored = await until(
        async () => {
          const now = await rows();
          return now.length >= 1 && now.every((r) => !r.busy) && /Water the ferns/.test(now.at(-1).text) ? now : null;
        },
        { message: `the stored reply ${when}` },
      );
      assert.equal(stored.length, 1, `one reply row ${when}, with its chip (${JSON.stringify(stored)})`);
      assert.deepEqual(stored[0].chips, ['Create task'], `the chip on the reply ${when}`);
      assert.ok(stored[0].chipsFirst, `the chip above the reply's text ${when}`);
    };
    await settle('once stored');
    await page.reload();
    await log.getByRole('article', { name: 'You said' }).first().waitFor();
    await settle('after a reload');
    const chip = replies.getByRole('button', { name: /Create task/ });
    await chip.click();
    await replies.getByText('Arguments').waitFor();
    await screenshot('tool-chip-reply', page);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(400); // the sidebar's slide into a drawer
    await screenshot('tool-chip-reply-mobile', page);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot('tool-chip-reply-mobile-dark', page);
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot('tool-chip-reply-dark', page);
    await page.emulateMedia({ colorScheme: null });
  });

  await page.close();
}
