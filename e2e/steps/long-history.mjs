// Infinite scroll upward: a chat longer than its first page loads older messages as the reader scrolls up.
import assert from 'node:assert/strict';

/** Each turn stores four messages (question, tool call, tool result, answer): 14 make 56, more than the first page of 50. */
const TURNS = 14;

/** `t`: the journey's browser, step runner and helpers (see e2e/run.mjs). */
export async function longHistorySteps(t) {
  const { browser, baseUrl, step, until, watch, password, waitLive, userMessages } = t;

  await step('scrolling up a long chat loads its older messages', async () => {
    // An account of its own: seeding runs more turns in a minute than the per-user turn limit leaves the main journey.
    const reader = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: baseUrl });
    try {
      const signup = await reader.request.post('/api/auth/signup', { data: { email: `e2e-long-${Date.now()}@example.com`, password } });
      assert.equal(signup.status(), 201, await signup.text());
      // Cookie-authenticated writes name their origin, as a browser's do (CSRF check).
      const headers = { Origin: baseUrl };
      const created = await reader.request.post('/api/chats', { data: { agent: 'assistant' }, headers });
      const { chat } = await created.json();
      for (let i = 1; i <= TURNS; i++) {
        const res = await reader.request.post(`/api/chats/${chat.id}/messages`, {
          data: { content: `Question ${String(i).padStart(2, '0')}: what time is it?` },
          headers,
          timeout: 30_000,
        });
        assert.equal(res.status(), 200, await res.text());
      }

      const tab = await reader.newPage();
      watch(tab);
      await tab.goto(`/assistant/c/${chat.id}`);
      const question = (n) => userMessages(tab).filter({ hasText: `Question ${String(n).padStart(2, '0')}:` });
      await question(TURNS).waitFor();
      await waitLive(tab);
      assert.equal(await question(1).count(), 0, 'the oldest question is not on the first page');
      await tab.getByRole('button', { name: 'Load earlier messages' }).waitFor();

      const box = await tab.getByRole('region', { name: 'Conversation' }).boundingBox();
      assert.ok(box);
      await tab.mouse.move(box.x + box.width / 2, box.y + box.height / 3);
      await until(
        async () => {
          await tab.mouse.wheel(0, -2_000);
          return (await question(1).count()) === 1;
        },
        { message: 'the oldest question after scrolling up' },
      );
      for (let n = 1; n <= TURNS; n++) assert.equal(await question(n).count(), 1, `question ${n} once`);
      assert.equal(await tab.getByRole('button', { name: 'Load earlier messages' }).count(), 0, 'nothing older left');
    } finally {
      await reader.close();
    }
  });
}
