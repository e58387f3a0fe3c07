// SPEC §15 as a user meets it: searching message text from the sidebar and opening a result at its
// message, sharing a chat as a read-only link that works logged out until revoked, and importing a
// ChatGPT export with a summary of what came in.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, ROOT } from '../harness.mjs';
import { newAccount } from './transparency.mjs';

const QUOKKA = 'My quokka is called Pistachio';
/** Each "what time is it" turn stores several messages: enough of them push the quokka past the first page. */
const FILLER_TURNS = 13;

/** `t`: the journey's browser, step runner and helpers (see e2e/run.mjs). */
export async function historySteps(t) {
  const { step, until } = t;
  const me = await newAccount(t, 'history');
  const { context, page, api } = me;
  const shot = (name, p = page) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const sidebar = () => page.getByRole('complementary', { name: 'Chats and navigation' });
  const search = () => sidebar().getByRole('searchbox', { name: 'Search chats' });
  const found = () => sidebar().getByRole('list', { name: 'Messages found' });
  const messages = (p = page) => p.getByRole('log', { name: 'Messages' });

  try {
    const { chat } = await api.post('/api/chats', { agent: 'assistant' });
    await api.post(`/api/chats/${chat.id}/messages`, { content: QUOKKA });
    for (let i = 0; i < FILLER_TURNS; i++) await api.post(`/api/chats/${chat.id}/messages`, { content: 'what time is it' });
    const other = (await api.post('/api/chats', { agent: 'assistant' })).chat;

    await step('searching message text marks the words found, and Enter opens the chat at the message, marked', async () => {
      await page.goto(`/assistant/c/${other.id}`);
      // The open chat focuses its composer once live: type after that, as a user would.
      await page.locator('section[aria-label="Conversation"][data-live="true"]').waitFor();
      await search().pressSequentially('pistach', { delay: 30 });
      const result = found().getByRole('link').filter({ hasText: `You: ${QUOKKA}` });
      await result.waitFor();
      // The match is a <mark> element made from the server's ranges (prefix match as the user types).
      assert.equal((await result.locator('mark').allTextContents()).join('|'), 'Pistachio');
      await shot('desktop-message-search');
      // The reply that repeats it may rank first: ArrowDown moves into the results and on to the message.
      await search().press('ArrowDown');
      assert.equal(await found().getByRole('link').first().evaluate((a) => a === document.activeElement), true, 'ArrowDown moves into the results');
      for (let i = 0; i < 5 && !(await result.evaluate((a) => a === document.activeElement)); i++) await page.keyboard.press('ArrowDown');
      assert.equal(await result.evaluate((a) => a === document.activeElement), true, 'the arrow keys reach the message');
      await page.keyboard.press('Enter');
      await page.waitForURL(`**/assistant/c/${chat.id}`);
      const marked = messages().locator('[aria-current="true"]');
      await marked.getByRole('article', { name: 'You said' }).filter({ hasText: QUOKKA }).waitFor();
      await until(
        async () => {
          const box = await marked.boundingBox();
          return box && box.y >= 0 && box.y + box.height <= 800;
        },
        { message: 'the marked message in view' },
      );
      // This agent's chats by default; the toggle searches every agent's.
      const asked = [];
      const onRequest = (request) => {
        if (request.url().includes('/api/search?')) asked.push(new URL(request.url()).searchParams.get('agent'));
      };
      page.on('request', onRequest);
      await search().fill('pistachio');
      await until(() => asked.length > 0, { message: 'the search of this agent' });
      await sidebar().getByRole('checkbox', { name: 'All agents' }).check();
      await until(() => asked.includes(null), { message: 'a search of every agent' });
      page.off('request', onRequest);
      assert.equal(asked[0], 'assistant');
      await result.waitFor();
      await search().fill('zebra xylophone');
      await sidebar().getByText('No messages match.').waitFor();
      await search().fill('');
      await found().waitFor({ state: 'detached' });
    });

    await step('Share makes a link that shows the chat read-only and logged out, noindex, until revoked', async () => {
      await page.goto(`/assistant/c/${chat.id}`);
      await page.getByRole('button', { name: 'Share' }).click();
      const popover = page.getByRole('dialog', { name: 'Share this chat' });
      await popover.getByRole('button', { name: 'Create link' }).click();
      const link = popover.getByRole('list', { name: 'Shared links' }).getByRole('textbox', { name: 'Shared link' }).first();
      await link.waitFor();
      const url = await link.inputValue();
      assert.match(url, /\/s\/[A-Za-z0-9_-]{22,}$/);
      await popover.getByRole('button', { name: 'Copy' }).first().click();
      await popover.getByRole('button', { name: 'Copied' }).waitFor();
      await shot('desktop-share');
      // Sent after sharing: the link must never show it.
      await api.post(`/api/chats/${chat.id}/messages`, { content: 'a secret said after sharing' });

      const stranger = await t.browser.newContext({ viewport: { width: 390, height: 844 }, baseURL: t.baseUrl });
      try {
        const visitor = await stranger.newPage();
        t.watch(visitor);
        await visitor.goto(new URL(url).pathname);
        const log = visitor.getByRole('list', { name: 'Messages' });
        await log.getByRole('article', { name: 'They said' }).filter({ hasText: QUOKKA }).waitFor();
        assert.equal(await visitor.locator('meta[name="robots"][content="noindex"]').count(), 1, 'noindex');
        assert.equal(await visitor.getByText('a secret said after sharing').count(), 0, 'later messages stay private');
        assert.equal(await visitor.getByRole('textbox', { name: 'Message' }).count(), 0, 'read-only');
        assert.ok(!visitor.url().includes('/login'), 'no sign-in asked');
        await shot('phone-shared-chat', visitor);

        await popover.getByRole('button', { name: 'Revoke' }).first().click();
        await popover.getByText('No links yet.').waitFor();
        await visitor.reload();
        await visitor.getByRole('heading', { name: "This link doesn't work" }).waitFor();
      } finally {
        await stranger.close();
      }
    });

    await step('Import brings in a ChatGPT export and says what came in and what was left out', async () => {
      await page.keyboard.press('Escape');
      await page.goto(`/assistant/c/${other.id}`);
      // Enabled, not only shown: until the page knows its agent the picker ignores a file, as a user
      // cannot pick one then (the button is disabled).
      await sidebar().getByRole('button', { name: 'Import', disabled: false }).waitFor();
      await sidebar().getByLabel('Chat export file').setInputFiles(join(ROOT, 'test', 'fixtures', 'chatgpt-conversations.json'));
      const dialog = page.getByRole('dialog', { name: 'Import chats' });
      await dialog.getByText('Imported 2 chats.').waitFor({ timeout: 30_000 });
      const imported = dialog.getByRole('list', { name: 'Imported chats' }).getByRole('listitem');
      assert.deepEqual(
        (await imported.allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim()),
        ['Azulejos in Lisbon 4 messages', 'Crème brûlée in Japanese 2 messages'],
      );
      await dialog.getByRole('list', { name: 'Left out' }).getByText(/1 hidden message/).waitFor();
      await shot('desktop-import');
      await dialog.getByRole('button', { name: 'Close' }).click();
      await sidebar().getByRole('link', { name: /^Azulejos in Lisbon/ }).waitFor();

      // A file that is not an export: the server's reason, in the app's alert.
      await sidebar().getByLabel('Chat export file').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello":1}') });
      await dialog.getByRole('alert').filter({ hasText: /Couldn't import notes\.json/ }).waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();
    });

    await step('search, share and import on a phone', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`/assistant/c/${other.id}`);
      await page.getByRole('button', { name: 'Open chat list' }).click();
      await search().fill('azulejos');
      await found().getByRole('link').first().waitFor();
      await shot('phone-message-search');
      await found().getByRole('link').first().click();
      await page.getByRole('button', { name: 'Share' }).click();
      await page.getByRole('dialog', { name: 'Share this chat' }).getByRole('button', { name: 'Create link' }).waitFor();
      await shot('phone-share');
    });
  } finally {
    await context.close();
  }
}
