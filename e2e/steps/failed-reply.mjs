// A reply that fails shows one failed state in the reply's place, and Retry replaces it there.
import assert from 'node:assert/strict';

/** `t`: the journey's page, step runner and helpers (see e2e/run.mjs). Answers the new chat's id and its question. */
export async function failedReplySteps(t) {
  const { page, step, until, send, waitIdle, log, replies, userMessages, chatIdOf, screenshot } = t;
  const question = `Plan my week ${Date.now().toString(36)}`;
  const failedReplies = () => log().getByRole('article', { name: 'Reply failed' });
  const articleNames = () => log().getByRole('article').evaluateAll((articles) => articles.map((a) => a.getAttribute('aria-label')));
  let planChatId = null;

  await step('a failed reply shows once, in its place, and Retry replaces it there', async () => {
    await page.getByRole('button', { name: 'New chat', exact: true }).click();
    await page.waitForURL((url) => chatIdOf(url.href) !== null && chatIdOf(url.href) !== t.chatId);
    planChatId = chatIdOf(page.url());
    await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
    // Three 500s outlast the model client's own two retries, so the turn fails; the fourth request is answered.
    await send(`${question} [[fault:500x3]]`);
    await failedReplies().waitFor({ timeout: 30_000 });
    await waitIdle();
    assert.deepEqual(await articleNames(), ['You said', 'Reply failed'], 'the question, then one failed reply');
    assert.equal(await log().getByRole('alert').count(), 1, 'one error message, not a second one under the question');
    const modelCalls = await until(
      async () => {
        const res = await fetch(new URL(`/__requests?contains=${encodeURIComponent(question)}`, t.mockUrl));
        const { requests } = await res.json();
        return requests.length >= 3 ? requests.length : null;
      },
      { message: 'the failed model requests' },
    );
    assert.ok(modelCalls >= 3, `the model was asked and failed (${modelCalls} requests)`);
    await screenshot('desktop-failed-reply');

    await failedReplies().getByRole('button', { name: 'Retry' }).click();
    await replies().first().waitFor({ timeout: 30_000 });
    await waitIdle();
    assert.deepEqual(await articleNames(), ['You said', 'Assistant replied'], 'the reply took the failed one’s place');
    assert.match((await replies().first().textContent()) ?? '', /Plan my week/);
    assert.equal(await log().getByRole('alert').count(), 0);

    await page.reload();
    await replies().first().waitFor();
    assert.deepEqual(await articleNames(), ['You said', 'Assistant replied'], 'and so after a reload');
    assert.equal(await userMessages().count(), 1);
  });

  return { planChatId, question };
}
