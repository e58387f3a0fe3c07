// SPEC §12.4 and §14 as a user meets them: a reply's timing breakdown, "What the agent sees",
// where a memory came from, and deleting a chat with the memories it created.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS } from '../harness.mjs';

const INSTRUCTIONS = 'Answer briefly. I live in Lisbon.';
const MEMORY_ASKED = 'remember that I prefer green tea';
const MEMORY = 'I prefer green tea';
/** ~2,500 estimated tokens each: three of them overflow the 6,000-token window budget, so the oldest turns are left out. */
const LONG_MESSAGES = ['first', 'second', 'third'].map((n) => `${'lorem '.repeat(1_660)}${n} long message`);
/** Each "what time is it" turn stores four messages: 13 push the memory's message past the first page of 50. */
const TIME_TURNS = 13;

/** A signed-up account in a browser context of its own (its own per-user turn budget). */
export async function newAccount(t, label, viewport = { width: 1280, height: 800 }) {
  const context = await t.browser.newContext({ viewport, baseURL: t.baseUrl });
  context.setDefaultTimeout(15_000);
  const email = `e2e-${label}-${Date.now()}@example.com`;
  const signup = await context.request.post('/api/auth/signup', { data: { email, password: t.password } });
  assert.equal(signup.status(), 201, await signup.text());
  // Cookie-authenticated writes name their origin, as a browser's do (CSRF check).
  const headers = { Origin: t.baseUrl };
  const api = {
    get: async (path) => (await context.request.get(path)).json(),
    post: async (path, data) => {
      const res = await context.request.post(path, { data, headers, timeout: 30_000 });
      assert.ok(res.ok(), `${path}: ${res.status()} ${await res.text()}`);
      return res.status() === 204 ? null : res.json();
    },
    put: async (path, data) => assert.ok((await context.request.put(path, { data, headers })).ok(), path),
  };
  const page = await context.newPage();
  t.watch(page);
  return { context, email, page, api };
}

/** `t`: the journey's browser, step runner and helpers (see e2e/run.mjs). */
export async function transparencySteps(t) {
  const { step, send, waitIdle, replies, userMessages, chatIdOf } = t;
  const me = await newAccount(t, 'transparency');
  const { page, api } = me;
  const shot = (name, p = page) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const dialog = () => page.getByRole('dialog', { name: 'What the agent sees' });
  const seesButton = () => page.getByRole('button', { name: 'What the agent sees' });
  /** Each step starts from the desktop chat with the panel closed, whatever the step before left. */
  const fresh = async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    if (await dialog().isVisible()) await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden' });
  };
  let chatId = null;

  try {
    await step("a reply's timing line expands to the turn's stages, in order, with the D1 count", async () => {
      await page.goto('/');
      await page.waitForURL((url) => chatIdOf(url.href) !== null);
      chatId = chatIdOf(page.url());
      await send('Hello, timing', page);
      await waitIdle(page);
      const reply = replies(page).last();
      const toggle = reply.getByRole('button', { name: /^Timing breakdown/ });
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      await reply.hover();
      await toggle.click();
      assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
      const stages = reply.getByRole('list', { name: 'Turn stages' }).getByRole('listitem');
      await stages.first().waitFor();
      const { messages } = await api.get(`/api/chats/${chatId}/messages`);
      const stored = messages.findLast((m) => m.role === 'assistant').timings;
      assert.ok(stored.stages.length >= 3, 'the server stored stages');
      const shown = await stages.allTextContents();
      assert.deepEqual(
        shown.map((s) => s.replace(/\s+/g, ' ').trim()),
        stored.stages.map((s) => `${s.name.replace(/_/g, ' ')} ${s.ms >= 1000 ? `${(s.ms / 1000).toFixed(1)} s` : `${Math.round(s.ms)} ms`}`),
        'each stage in order with its ms',
      );
      await reply.getByText(`D1 statements before the first token: ${stored.d1BeforeFirstToken}`).waitFor();
      await shot('desktop-timing-breakdown');
      await toggle.click();
      assert.equal(await reply.getByRole('list', { name: 'Turn stages' }).count(), 0, 'and folds away again');
    });

    await step('"What the agent sees" marks the instructions and a memory in the prompt and shows where the window was trimmed', async () => {
      await api.put('/api/agents/assistant/instructions', { instructions: INSTRUCTIONS });
      await send(MEMORY_ASKED, page);
      await waitIdle(page);
      for (const content of LONG_MESSAGES) await api.post(`/api/chats/${chatId}/messages`, { content });
      await userMessages(page).filter({ hasText: 'third long message' }).waitFor();
      await waitIdle(page);

      await seesButton().click();
      assert.equal(await seesButton().getAttribute('aria-expanded'), 'true');
      await dialog().waitFor();
      const marks = dialog().getByRole('mark');
      await marks.filter({ hasText: INSTRUCTIONS }).waitFor();
      await marks.filter({ hasText: MEMORY }).waitFor();
      assert.equal(await marks.count(), 2, 'the instructions and the one memory, nothing else');
      const context = await api.get(`/api/chats/${chatId}/context`);
      assert.ok(context.omitted > 0, 'the chat outgrew the window budget');
      const sent = dialog().getByRole('list', { name: 'Messages sent' });
      await sent.getByText(`${context.omitted} earlier ${context.omitted === 1 ? 'message' : 'messages'} not sent`, { exact: true }).waitFor();
      assert.equal(await sent.getByRole('listitem').count(), context.window.length + 1, 'the marker, then each message sent');
      await sent.getByText(/third long message/).waitFor();
      assert.equal(await sent.getByText(MEMORY_ASKED).count(), 0, 'the trimmed turn is not in the window');
      const meter = dialog().getByRole('meter', { name: /Conversation window/ });
      assert.equal(Number(await meter.getAttribute('value')), context.tokens.window);
      assert.equal(Number(await meter.getAttribute('max')), context.tokens.budget);
      await page.waitForTimeout(200);
      await shot('desktop-agent-sees');

      // Beside the chat: the next turn shows up in the panel without reopening it.
      await send('What changed after this turn?', page);
      await waitIdle(page);
      await sent.getByText('What changed after this turn?', { exact: true }).waitFor();

      // Esc from the composer closes the panel and leaves the typing alone; from inside the panel, focus goes back to its button.
      await page.keyboard.press('Escape');
      await dialog().waitFor({ state: 'hidden' });
      assert.equal(await page.getByRole('textbox', { name: 'Message' }).evaluate((c) => c === document.activeElement), true, 'still in the composer');
      await seesButton().click();
      await dialog().getByRole('button', { name: 'Close' }).focus();
      await page.keyboard.press('Escape');
      await dialog().waitFor({ state: 'hidden' });
      assert.equal(await seesButton().evaluate((b) => b === document.activeElement), true, 'focus back on the button');
    });

    await step('"What the agent sees" is a sheet on a phone, with focus in it and Esc to close', async () => {
      await fresh();
      await page.setViewportSize({ width: 390, height: 844 });
      await seesButton().click();
      await dialog().getByRole('mark').filter({ hasText: MEMORY }).waitFor();
      assert.equal(await dialog().evaluate((d) => d.matches(':modal') && d.contains(document.activeElement)), true, 'a modal sheet holding the focus');
      await page.waitForTimeout(300);
      await shot('mobile-agent-sees');
      await page.keyboard.press('Escape');
      await dialog().waitFor({ state: 'hidden' });
      assert.equal(await seesButton().evaluate((b) => b === document.activeElement), true);
      await page.setViewportSize({ width: 1280, height: 800 });
    });

    await step('deleting a chat keeps its memories unless asked, and says how many there are', async () => {
      await fresh();
      const row = page
        .getByRole('complementary', { name: 'Chats and navigation' })
        .getByRole('listitem')
        .filter({ has: page.locator('a[aria-current="page"]') });
      await row.getByRole('button', { name: /^Actions for / }).click();
      await page.getByRole('menuitem', { name: 'Delete…' }).click();
      const menu = page.getByRole('menu', { name: 'Chat actions' });
      await menu.getByText('It created 1 memory').waitFor();
      const also = menu.getByRole('checkbox', { name: 'Also delete 1 memory' });
      assert.equal(await also.isChecked(), false, 'kept by default');
      await menu.getByRole('menuitem', { name: 'Delete', exact: true }).click();
      await page.waitForURL((url) => chatIdOf(url.href) !== null && chatIdOf(url.href) !== chatId);
      const { memories } = await api.get('/api/agents/assistant/memories');
      const kept = memories.find((m) => m.content === MEMORY);
      assert.ok(kept, 'the memory outlives its chat');
      assert.equal(kept.source, null, 'with no source left to link to');
    });
  } finally {
    await me.context.close();
  }
}

/** A memory's source link, and a delete that takes the memories with it, on a chat longer than its first page. */
export async function provenanceSteps(t) {
  const { step, until } = t;
  const me = await newAccount(t, 'provenance');
  const { page, api } = me;
  const shot = (name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const bike = 'My bike is blue';

  try {
    const { chat } = await api.post('/api/chats', { agent: 'assistant' });
    await api.post(`/api/chats/${chat.id}/messages`, { content: `remember that ${bike.charAt(0).toLowerCase()}${bike.slice(1)}` });
    for (let i = 0; i < TIME_TURNS; i++) await api.post(`/api/chats/${chat.id}/messages`, { content: 'what time is it' });
    const other = (await api.post('/api/chats', { agent: 'assistant' })).chat;

    await step("a memory's source link opens its chat scrolled to the message, marked", async () => {
      await page.goto(`/assistant/c/${other.id}`);
      await page.getByRole('link', { name: 'Assistant settings', exact: true }).click();
      const item = page
        .getByRole('list', { name: 'Memories' })
        .getByRole('listitem')
        .filter({ hasText: /my bike is blue/i });
      const link = item.getByRole('link', { name: /^from “/ });
      await link.waitFor();
      await shot('desktop-memory-source');
      await link.click();
      await page.waitForURL(`**/assistant/c/${chat.id}`);
      const marked = page.getByRole('log', { name: 'Messages' }).locator('[aria-current="true"]');
      await marked
        .getByRole('article', { name: 'You said' })
        .filter({ hasText: /remember that my bike is blue/i })
        .waitFor();
      await until(
        async () => {
          const box = await marked.boundingBox();
          return box && box.y >= 0 && box.y + box.height <= 800;
        },
        { message: 'the marked message in view' },
      );
      await page.waitForTimeout(400);
      await shot('desktop-memory-source-opened');
    });

    await step('deleting a chat with "Also delete 1 memory" ticked deletes the memory with it, from the settings list too', async () => {
      // Settings opened from another chat: deleting this one from the list leaves the page as it is.
      await page.goto(`/assistant/c/${other.id}`);
      await page.getByRole('link', { name: 'Assistant settings', exact: true }).click();
      await page.waitForURL('**/assistant/settings');
      const memories = page.getByRole('list', { name: 'Memories' });
      await memories.getByText('my bike is blue', { exact: true }).waitFor();
      await page
        .getByRole('complementary', { name: 'Chats and navigation' })
        .getByRole('button', { name: /^Actions for remember that my bike is blue/i })
        .click();
      await page.getByRole('menuitem', { name: 'Delete…' }).click();
      const menu = page.getByRole('menu', { name: 'Chat actions' });
      await menu.getByRole('checkbox', { name: 'Also delete 1 memory' }).check();
      await shot('desktop-delete-memories');
      await menu.getByRole('menuitem', { name: 'Delete', exact: true }).click();
      await memories.getByText('my bike is blue', { exact: true }).waitFor({ state: 'detached' });
      assert.ok(page.url().endsWith('/assistant/settings'), 'still on the settings page');
      const { memories: left } = await api.get('/api/agents/assistant/memories');
      assert.deepEqual(
        left.filter((m) => /bike/i.test(m.content)),
        [],
        'the memory went with its chat',
      );
      assert.equal((await api.get(`/api/chats/${chat.id}`)).error?.code, 'not_found', 'and the chat is gone');
    });
  } finally {
    await me.context.close();
  }
}
