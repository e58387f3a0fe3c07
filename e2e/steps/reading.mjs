// Reading a reply (issue 18): it fits the screen at every width, with only its code block or
// table scrolling sideways inside it; code blocks have a header (language, Copy) and colours
// loaded on first use; every message can be copied from a button shown on hover or focus; the
// demo model shows all of it when asked to "show markdown".
import assert from 'node:assert/strict';
import { exchangeFile, importChat, WIDE_REPLY } from '../seed-chats.mjs';

const WIDTHS = [
  { width: 390, height: 844 },
  { width: 1024, height: 768 },
  { width: 1280, height: 800 },
];

/** Boxes and scroll sizes of what a reader sees of the last reply, measured in the page. */
function measure(page) {
  return page.evaluate(() => {
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    };
    const reply = [...document.querySelectorAll('[role="log"] article[aria-label="Assistant replied"]')].at(-1);
    const pre = reply.querySelector('pre');
    const table = reply.querySelector('table').parentElement;
    const copy = reply.querySelector('.code-head button');
    const scroller = document.querySelector('section[aria-label="Conversation"] .scroller');
    return {
      viewport: window.innerWidth,
      page: { scrollWidth: document.documentElement.scrollWidth },
      thread: { scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth },
      reply: box(reply),
      bubble: box(reply.querySelector('.bubble')),
      pre: { ...box(pre), scrollWidth: pre.scrollWidth, clientWidth: pre.clientWidth },
      table: { ...box(table), scrollWidth: table.scrollWidth, clientWidth: table.clientWidth },
      copy: copy && { ...box(copy), insidePre: pre.contains(copy) },
    };
  });
}

/** `t`: the journey's helpers (see e2e/run.mjs); `reader`: a signed-in context of its own (e2e/seed-chats.mjs). */
export async function readingSteps(t, reader) {
  const { baseUrl, step, until, watch, screenshot } = t;
  const chatId = await importChat(reader, baseUrl, exchangeFile('Parsing dates', 'How do I parse a date?', WIDE_REPLY));
  await reader.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  const page = await reader.newPage();
  watch(page);
  const scripts = [];
  page.on('request', (request) => request.resourceType() === 'script' && scripts.push(new URL(request.url()).pathname));
  const reply = () => page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'Assistant replied' }).last();
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());

  await step('a reply with a wide code block and table fits the screen at 390, 1024 and 1280 px; only the code and the table scroll', async () => {
    for (const size of WIDTHS) {
      await page.setViewportSize(size);
      if (size === WIDTHS[0]) await page.goto(`/assistant/c/${chatId}`);
      await reply().getByRole('table').waitFor();
      const m = await measure(page);
      const label = `at ${size.width} px`;
      assert.ok(m.page.scrollWidth <= m.viewport, `${label}: the page does not scroll sideways (${m.page.scrollWidth} > ${m.viewport})`);
      assert.ok(m.thread.scrollWidth <= m.thread.clientWidth, `${label}: the thread does not scroll sideways (${m.thread.scrollWidth} > ${m.thread.clientWidth})`);
      assert.ok(m.bubble.right <= m.viewport, `${label}: the bubble ends inside the screen (${m.bubble.right} > ${m.viewport})`);
      assert.ok(m.pre.scrollWidth > m.pre.clientWidth && m.pre.right <= m.bubble.right, `${label}: the code scrolls inside the bubble`);
      assert.ok(m.table.scrollWidth > m.table.clientWidth && m.table.right <= m.bubble.right, `${label}: the table scrolls inside the bubble`);
      assert.ok(m.copy && m.copy.right <= m.viewport && m.copy.left >= 0, `${label}: the code's Copy button is on screen`);
      await screenshot(`reading-${size.width}`, page);
    }
  });

  await step('a code block has a header with its language and Copy above the code, and colours loaded only once code appears', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const code = reply().locator('.code-block');
    assert.equal(await code.locator('.code-lang').textContent(), 'ts');
    const m = await measure(page);
    assert.equal(m.copy.insidePre, false, 'Copy is not inside the scrolling code');
    assert.ok(m.copy.bottom <= m.pre.top, 'Copy sits in the header, above the code');
    // Scrolled sideways, the code moves under a header that stays put.
    await code.locator('pre').evaluate((pre) => (pre.scrollLeft = pre.scrollWidth));
    const scrolled = await measure(page);
    assert.deepEqual([scrolled.copy.left, scrolled.copy.top], [m.copy.left, m.copy.top], 'Copy stays in place while the code scrolls');
    await until(async () => (await code.locator('.hljs-keyword').count()) > 0, { message: 'highlighted keywords' });
    assert.match((await code.locator('.hljs-keyword').first().textContent()) ?? '', /^(export|function|const|return)$/);
    assert.notEqual(
      await code.locator('.hljs-keyword').first().evaluate((el) => getComputedStyle(el).color),
      await code.locator('pre').evaluate((el) => getComputedStyle(el).color),
      'keywords in a colour of their own',
    );
    await code.getByRole('button', { name: 'Copy code' }).click();
    await code.getByRole('button', { name: 'Copy code' }).filter({ hasText: 'Copied' }).waitFor();
    assert.match(await clipboard(), /^\/\/ A line longer[\s\S]*return Number\.isNaN\(at\) \? null : at;\n}$/);

    // The highlighter is a chunk of its own, fetched once code appears, with the code's language…
    assert.ok(scripts.some((path) => /highlight-languages/.test(path)) && scripts.some((path) => /typescript/.test(path)), `highlight.js and TypeScript fetched (${scripts.join(', ')})`);
    // …and not part of the first load: a page without code never fetches it.
    const plain = await reader.newPage();
    watch(plain);
    const fetched = [];
    plain.on('request', (request) => fetched.push(new URL(request.url()).pathname));
    await plain.goto('/tasks');
    await plain.getByRole('heading', { name: 'Tasks' }).first().waitFor();
    await plain.waitForLoadState('networkidle');
    await plain.close();
    assert.equal(fetched.filter((path) => /highlight|typescript/.test(path)).length, 0, `no highlighter on a page without code (${fetched.join(', ')})`);
  });

  await step('a message is copied from its Copy button, shown on hover and reachable by keyboard, with "Copied" after', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const copy = reply().getByRole('button', { name: 'Copy message' });
    const opacity = () => copy.evaluate((el) => Number(getComputedStyle(el.closest('[role="group"]')).opacity));
    await page.mouse.move(5, 5);
    await until(async () => (await opacity()) === 0, { message: 'the actions hidden away from the pointer' });
    await reply().hover();
    await until(async () => (await opacity()) === 1, { message: 'the actions shown on hover' });
    await page.mouse.move(5, 5);
    // Keyboard: Tab from the code's Copy button reaches the message's actions, which show while focused.
    await reply().getByRole('button', { name: 'Copy code' }).focus();
    for (let i = 0; i < 10 && !(await copy.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    assert.equal(await copy.evaluate((el) => el === document.activeElement), true, 'Copy message is in the tab order');
    await until(async () => (await opacity()) === 1, { message: 'the actions shown on focus' });
    await page.keyboard.press('Enter');
    await reply().getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await clipboard(), WIDE_REPLY, 'the reply as written (Markdown)');
    await screenshot('reading-copied', page);
    const question = page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'You said' }).first();
    await question.hover();
    await question.getByRole('button', { name: 'Copy message' }).click();
    await question.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await clipboard(), 'How do I parse a date?');
  });

  await step('the demo model asked to "show markdown" streams headings, lists, code in two languages, a table, a quote and links', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('textbox', { name: 'Message' }).fill('Please show markdown');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await reply().getByRole('heading', { name: 'What a reply can hold' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Send message' }).waitFor({ timeout: 30_000 });
    const shown = reply();
    assert.equal(await shown.getByRole('heading').count(), 4, 'a heading and three subheadings');
    assert.equal(await shown.getByRole('list').count(), 2, 'a bulleted and a numbered list');
    assert.deepEqual(await shown.locator('.code-lang').allTextContents(), ['ts', 'python']);
    await until(async () => (await shown.locator('.code-block').filter({ has: page.locator('.hljs-keyword') }).count()) === 2, { message: 'both code blocks highlighted' });
    assert.equal(await shown.getByRole('table').getByRole('row').count(), 3);
    assert.equal(await shown.locator('blockquote').count(), 1);
    const links = shown.getByRole('link');
    assert.equal(await links.count(), 2);
    for (const link of await links.all()) assert.match((await link.getAttribute('rel')) ?? '', /noopener/, 'links open safely in a new tab');
    await screenshot('reading-markdown-sampler', page);
    // The chat list previews it as text, not as Markdown.
    const row = page.getByRole('complementary', { name: 'Chats and navigation' }).getByRole('link', { name: /^Parsing dates/ });
    await until(async () => /What a reply can hold Text with bold, italics, inline code/.test((await row.textContent()) ?? ''), { message: 'the plain preview' });
    assert.doesNotMatch((await row.textContent()) ?? '', /##|\*\*|`/);
  });

  await page.close();
}
