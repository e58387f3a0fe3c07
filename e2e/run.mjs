// `npm run test:e2e`: build, serve with `wrangler dev` on loopback against the mock model and a
// throwaway D1, and drive Debian's Chromium with playwright-core through the product's main
// journey. Prints `N passed, N failed` last and exits non-zero on any failure.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startMockModel } from '../mock-model/server.mjs';
import {
  applyD1Migrations,
  ARTIFACTS,
  CHROMIUM,
  CHROMIUM_ARGS,
  createRunner,
  createTeardown,
  freePort,
  log,
  makeTempDir,
  runStep,
  startWrangler,
  waitForHealth,
} from './harness.mjs';
import { branchSteps } from './steps/branches.mjs';
import { chatListSteps } from './steps/chat-list.mjs';
import { chatUiSteps } from './steps/chat-ui.mjs';
import { draftSteps } from './steps/drafts.mjs';
import { failedReplySteps } from './steps/failed-reply.mjs';
import { historySteps } from './steps/history.mjs';
import { longHistorySteps } from './steps/long-history.mjs';
import { securitySteps, watchCspViolations } from './steps/security.mjs';
import { provenanceSteps, transparencySteps } from './steps/transparency.mjs';

const SUITE_TIMEOUT_MS = 12 * 60_000;
const STEP_TIMEOUT_MS = 45_000;
const HEARTBEAT_INTERVAL_S = 5;
/** Below the default 16000, so the composer's count proves the client reads the deployed limit; above the journey's longest message (~10 000). */
const MAX_MESSAGE_CHARS = 12_000;
const PASSWORD = 'correct horse battery';

const teardown = createTeardown({ log, deadlineMs: SUITE_TIMEOUT_MS, deadlineMessage: `suite exceeded ${SUITE_TIMEOUT_MS} ms` });

/** Poll until `check` returns a truthy value. */
async function until(check, { timeoutMs = 15_000, message = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${message} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

let exitCode;
try {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  if (process.env.E2E_SKIP_BUILD !== '1') {
    log('building (vite build)…');
    runStep('npx', ['vite', 'build'], { timeoutMs: 240_000 });
  }

  const state = makeTempDir();
  teardown.add(state.remove);
  log(`applying migrations to ${state.dir}`);
  await applyD1Migrations({ persistTo: state.dir });

  const mock = await startMockModel({ port: 0 });
  teardown.add(() => mock.close());
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // The tab reads the heartbeat interval from /api/health and the message limit from /api/agents, so these vars set them for both sides.
  const wrangler = startWrangler({
    port,
    persistTo: state.dir,
    vars: { OPENAI_BASE_URL: mock.url, HEARTBEAT_INTERVAL_S: String(HEARTBEAT_INTERVAL_S), MAX_MESSAGE_CHARS: String(MAX_MESSAGE_CHARS) },
  });
  teardown.add(() => wrangler.stop());
  log(`wrangler dev on ${baseUrl}, mock model on ${mock.url}`);
  try {
    await waitForHealth(baseUrl, { timeoutMs: 120_000, isAlive: () => wrangler.child.exitCode === null });
  } catch (error) {
    log(wrangler.output());
    throw error;
  }

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
  teardown.add(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: baseUrl });
  context.setDefaultTimeout(15_000);
  const pageErrors = [];
  const watch = (p) => {
    p.on('pageerror', (error) => pageErrors.push(error.message));
    p.on('dialog', (dialog) => void dialog.dismiss());
  };
  context.on('page', watch);
  const page = await context.newPage();
  const cspViolations = watchCspViolations(context, page);

  const screenshot = (name, p = page) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const runner = createRunner({ stepTimeoutMs: STEP_TIMEOUT_MS, onFailure: (name) => screenshot(`failure-${name.replace(/\W+/g, '-').toLowerCase()}`) });
  const step = runner.step;

  const email = `e2e-${Date.now()}@example.com`;
  const composer = (p = page) => p.getByRole('textbox', { name: 'Message' });
  const sendButton = (p = page) => p.getByRole('button', { name: 'Send message' });
  const stopButton = (p = page) => p.getByRole('button', { name: 'Stop generating' });
  const log_ = (p = page) => p.getByRole('log', { name: 'Messages' });
  const replies = (p = page) => log_(p).getByRole('article', { name: 'Assistant replied' });
  const userMessages = (p = page) => log_(p).getByRole('article', { name: 'You said' });
  const chatIdOf = (url) => /\/assistant\/c\/([A-Za-z0-9_-]+)/.exec(url)?.[1] ?? null;
  const apiFromPage = (path) => page.evaluate(async (p) => (await fetch(p, { credentials: 'same-origin' })).json(), path);
  const waitIdle = async (p = page) => {
    await sendButton(p).waitFor({ state: 'visible', timeout: 30_000 });
    await until(async () => (await log_(p).locator('[aria-busy="true"]').count()) === 0, { message: 'the reply to finish' });
  };
  async function send(text, p = page) {
    await composer(p).fill(text);
    await composer(p).press('Enter');
  }
  /** The chat's live socket is connected and has its snapshot. */
  const waitLive = (p = page) => p.locator('section[aria-label="Conversation"][data-live="true"]').waitFor({ timeout: 15_000 });
  /** The text of the reply streaming now (not a live region: the chat's announcer says it once finished). */
  const streamingBubble = (p = page) => log_(p).locator('article[aria-busy="true"]');
  const streamingText = async (p = page) => {
    const live = streamingBubble(p);
    if ((await live.count()) === 0) return null;
    return live
      .first()
      .textContent({ timeout: 1_000 })
      .catch(() => null);
  };
  /** "token1 token2 … tokenN" with nothing lost, doubled or reordered: N, else -1. */
  const tokenRun = (text) => {
    const numbers = (text ?? '').match(/token(\d+)/g)?.map((t) => Number(t.slice(5))) ?? [];
    return numbers.every((n, i) => n === i + 1) ? numbers.length : -1;
  };
  const sessionIds = async () => (await apiFromPage('/api/sessions?agent=assistant')).sessions.map((s) => s.id);

  let chatId = null;
  let firstSessionIds = [];

  await step('a visitor signs up and lands in an empty chat', async () => {
    await page.goto('/');
    await page.waitForURL('**/login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/assistant\/c\/[\w-]+$/);
    chatId = chatIdOf(page.url());
    await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
    await page.getByText('Demo model').first().waitFor();
    firstSessionIds = (await apiFromPage('/api/sessions?agent=assistant')).sessions.map((s) => s.id);
    assert.equal(firstSessionIds.length, 1, 'one session for one tab');
  });

  await step('a sent message streams a reply with a typing indicator', async () => {
    await send('Hello there [[delay:60]]');
    await userMessages().filter({ hasText: 'Hello there' }).waitFor();
    await page.getByRole('status', { name: 'Assistant is typing' }).waitFor();
    const streaming = streamingBubble();
    const early = await until(async () => (await streaming.textContent())?.length, { message: 'first delta' });
    await until(async () => ((await streaming.textContent().catch(() => '')) ?? '').length > early, { message: 'more deltas' });
    await waitIdle();
    const reply = replies().last();
    assert.match(await reply.textContent(), /Hello! I'm the mock model/);
    assert.match((await reply.locator('[title*="First token"]').getAttribute('title')) ?? '', /First token \d+/, 'timings on hover');
    await page
      .getByRole('link', { name: /Hello there/ })
      .first()
      .waitFor();
  });

  await step('a refresh shows the same chat with its full history', async () => {
    await page.reload();
    await page.waitForURL(`**/assistant/c/${chatId}`);
    await userMessages().filter({ hasText: 'Hello there' }).waitFor();
    assert.equal(await replies().count(), 1);
  });

  await step('a second tab opens the same chat', async () => {
    const second = await context.newPage();
    await second.goto('/');
    await second.waitForURL(`**/assistant/c/${chatId}`);
    await userMessages(second).filter({ hasText: 'Hello there' }).waitFor();
    await replies(second).first().waitFor();
    const { sessions } = await apiFromPage('/api/sessions?agent=assistant');
    assert.ok(sessions.length >= 2, 'each tab holds its own session');
    await second.close({ runBeforeUnload: true });
  });

  let tabB = null;
  let tabBSession = null;
  // From here on, tab A's heartbeats should ride on its socket's pings, not on HTTP.
  const wire = { heartbeats: 0, pings: 0, pongs: 0, since: 0 };
  page.on('request', (request) => {
    if (request.method() === 'POST' && /\/api\/sessions\/[^/]+\/heartbeat$/.test(request.url())) wire.heartbeats++;
  });
  page.on('websocket', (ws) => {
    ws.on('framesent', (frame) => frame.payload === 'ping' && wire.pings++);
    ws.on('framereceived', (frame) => frame.payload === 'pong' && wire.pongs++);
  });
  wire.since = Date.now();
  await step('a message sent in one tab streams live in another, without a reload', async () => {
    const before = await sessionIds();
    tabB = await context.newPage();
    await tabB.goto(`/assistant/c/${chatId}`);
    await userMessages(tabB).filter({ hasText: 'Hello there' }).waitFor();
    await Promise.all([waitLive(), waitLive(tabB)]);
    tabBSession = (await sessionIds()).find((id) => !before.includes(id)) ?? null;
    assert.ok(tabBSession, 'tab B holds a session of its own');
    await tabB.evaluate(() => (window.__sameDocument = true));
    const repliesBefore = await replies(tabB).count();

    await send('Count to twelve [[tokens:12]] [[delay:200]]');
    // B shows the reply streaming while A is still receiving it.
    const seenInB = await until(
      async () => {
        const text = await streamingText(tabB);
        return text && /token\d/.test(text) ? text : null;
      },
      { message: 'deltas in tab B' },
    );
    assert.ok(tokenRun(seenInB) > 0 && tokenRun(seenInB) < 12, `a partial, ordered reply in B (saw "${seenInB}")`);
    assert.equal(await log_().locator('[aria-busy="true"]').count(), 1, "A's reply was still streaming");
    await tabB.getByRole('status', { name: 'Assistant is typing' }).waitFor();
    await tabB.screenshot({ path: join(ARTIFACTS, 'desktop-second-tab-live.png') });

    await waitIdle(tabB);
    await userMessages(tabB).filter({ hasText: 'Count to twelve' }).waitFor();
    assert.equal(await userMessages(tabB).filter({ hasText: 'Count to twelve' }).count(), 1);
    assert.equal(await replies(tabB).count(), repliesBefore + 1);
    assert.equal(tokenRun(await replies(tabB).last().textContent()), 12, 'the final text in B, once');
    await waitIdle();
    assert.equal(tokenRun(await replies().last().textContent()), 12, 'the final text in A, once');
    assert.equal(await tabB.evaluate(() => window.__sameDocument), true, 'B never reloaded');
  });

  await step('closing a tab ends its session', async () => {
    assert.ok(tabB && tabBSession);
    assert.ok((await sessionIds()).includes(tabBSession));
    await tabB.close({ runBeforeUnload: true });
    tabB = null;
    await until(async () => !(await sessionIds()).includes(tabBSession), { timeoutMs: 10_000, message: "tab B's session to end" });
    assert.ok((await sessionIds()).length >= 1, "tab A's session stays");
  });

  await step('a refresh mid-reply shows the reply continue where it is', async () => {
    const repliesBefore = await replies().count();
    await send('Tell me a slow story [[slow]]');
    await until(async () => tokenRun(await streamingText()) >= 3, { message: 'a few slow tokens before the refresh' });
    await page.reload();
    await page.waitForURL(`**/assistant/c/${chatId}`);
    // The partial reply comes back from the snapshot, then grows token by token, with nothing lost or doubled.
    const resumedAt = await until(
      async () => {
        const n = tokenRun(await streamingText());
        return n > 0 ? n : null;
      },
      { message: 'the partial reply after the refresh' },
    );
    assert.ok(resumedAt < 60, `resumed mid-reply (at token ${resumedAt})`);
    const later = await until(
      async () => {
        const text = await streamingText();
        const n = tokenRun(text);
        if (text !== null && n === -1) return { broken: text };
        return n > resumedAt ? { n } : null;
      },
      { message: 'more tokens after the refresh' },
    );
    assert.equal(later.broken, undefined, `an unbroken run of tokens while streaming (saw "${later.broken}")`);
    await waitIdle();
    assert.equal(await replies().count(), repliesBefore + 1, 'one reply, not a second copy');
    assert.equal(tokenRun(await replies().last().textContent()), 60, 'the whole reply, each token once');
    await userMessages().filter({ hasText: 'Tell me a slow story' }).waitFor();
    assert.equal(await userMessages().filter({ hasText: 'Tell me a slow story' }).count(), 1);
  });

  await step('an open tab pings its socket instead of sending HTTP heartbeats', async () => {
    const elapsedS = (Date.now() - wire.since) / 1000;
    assert.ok(elapsedS > 2 * HEARTBEAT_INTERVAL_S, `observed long enough (${elapsedS.toFixed(1)} s)`);
    assert.ok(wire.pings >= 1 && wire.pongs >= 1, `pings answered (${wire.pings} sent, ${wire.pongs} pongs)`);
    assert.equal(wire.heartbeats, 0, 'no HTTP heartbeat while the socket was healthy');
    log(`  ${elapsedS.toFixed(1)} s on the socket: ${wire.pings} pings, ${wire.pongs} pongs, ${wire.heartbeats} HTTP heartbeats`);
  });

  await step('Stop ends a long reply and keeps what was written', async () => {
    await send('Tell me a long story [[slow]]');
    const streaming = streamingBubble();
    await until(async () => /token3\b/.test((await streaming.textContent()) ?? ''), { message: 'a few slow tokens' });
    await stopButton().click();
    await waitIdle();
    const reply = replies().last();
    await reply.getByText('Stopped').waitFor();
    const text = (await reply.textContent()) ?? '';
    assert.match(text, /token3/);
    assert.doesNotMatch(text, /token60/);
  });

  await step('asking for a task runs a tool shown as an expandable chip', async () => {
    await send('add a task to buy milk');
    await waitIdle();
    await replies().last().getByText('Buy milk').waitFor();
    const chip = log_()
      .getByRole('button', { name: /Create task/ })
      .last();
    await chip.click();
    assert.equal(await chip.getAttribute('aria-expanded'), 'true');
    await log_().getByText('Arguments').last().waitFor();
    await screenshot('desktop-chat');
  });

  await step('HTML typed by the user renders as text and never runs', async () => {
    const payload = '<img src=x onerror=window.__xss=1>';
    await send(payload);
    await waitIdle();
    await userMessages().filter({ hasText: payload }).waitFor();
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(await log_().locator('img').count(), 0, 'no <img> element was created');
  });

  await step('the task appears in the tasks panel and an edit survives a reload', async () => {
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.waitForURL('**/tasks');
    // In the tasks list: a chat row's preview may mention the task too.
    await page.getByRole('list', { name: 'Tasks' }).getByRole('link', { name: /Buy milk/ }).click();
    await page.getByRole('heading', { name: 'Task details' }).waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Buy oat milk');
    await page.getByLabel('Notes', { exact: true }).fill('Two litres, unsweetened');
    await page.getByLabel('Priority', { exact: true }).selectOption('high');
    await page.getByLabel('Status', { exact: true }).selectOption('doing');
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved', { exact: true }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Task details' }).waitFor();
    assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Buy oat milk');
    assert.equal(await page.getByLabel('Notes', { exact: true }).inputValue(), 'Two litres, unsweetened');
    assert.equal(await page.getByLabel('Priority', { exact: true }).inputValue(), 'high');
    assert.equal(await page.getByLabel('Status', { exact: true }).inputValue(), 'doing');
    await screenshot('desktop-tasks');
  });

  await step('a refused save rolls back the list and keeps the draft', async () => {
    await page.route('**/api/tasks/*', (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({
            status: 500,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'internal', message: 'Something went wrong on our side' } }),
          })
        : route.continue(),
    );
    await page.getByLabel('Title', { exact: true }).fill('This edit will fail');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: "Couldn't save" }).waitFor();
    await page.getByRole('list', { name: 'Tasks' }).getByText('Buy oat milk').waitFor();
    assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'This edit will fail');
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Buy oat milk');
    await page.unroute('**/api/tasks/*');
  });

  await step('custom instructions save and survive a reload', async () => {
    await page.getByRole('link', { name: 'Assistant settings', exact: true }).click();
    await page.waitForURL('**/assistant/settings');
    const box = page.getByRole('textbox', { name: 'Custom instructions' });
    await box.fill('Answer briefly. I live in Lisbon.');
    await page.getByRole('button', { name: 'Save instructions' }).click();
    await page.getByText('Instructions saved').waitFor();
    await page.reload();
    await until(async () => (await page.getByRole('textbox', { name: 'Custom instructions' }).inputValue()) === 'Answer briefly. I live in Lisbon.', {
      message: 'saved instructions',
    });
    await screenshot('desktop-settings');
  });

  await step('switching agent ends the tab session and switching back resumes the chat', async () => {
    await page.getByRole('navigation', { name: 'Agents' }).getByRole('link', { name: 'Notes' }).click();
    await page.waitForURL(/\/notes\/c\/[\w-]+$/);
    await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
    const { sessions } = await apiFromPage('/api/sessions?agent=assistant');
    assert.deepEqual(
      sessions.filter((s) => firstSessionIds.includes(s.id)),
      [],
      'the first tab session with the assistant has ended',
    );
    await page.getByRole('navigation', { name: 'Agents' }).getByRole('link', { name: 'Assistant' }).click();
    await page.waitForURL(`**/assistant/c/${chatId}`);
    await userMessages().filter({ hasText: 'Hello there' }).waitFor();
  });

  await step('a heartbeat answered 410 re-opens the session', async () => {
    const before = (await apiFromPage('/api/sessions?agent=assistant')).sessions.map((s) => s.id);
    assert.ok(before.length >= 1);
    await page.evaluate(async (ids) => {
      for (const id of ids) await fetch(`/api/sessions/${id}/end`, { method: 'POST', credentials: 'same-origin' });
    }, before);
    await until(
      async () => {
        const now = (await apiFromPage('/api/sessions?agent=assistant')).sessions.map((s) => s.id);
        return now.length === 1 && !before.includes(now[0]);
      },
      { timeoutMs: HEARTBEAT_INTERVAL_S * 3000, message: 'a new session after the next heartbeat' },
    );
  });

  await step('without its socket a tab beats over HTTP, and a heartbeat answered 410 re-opens its session', async () => {
    const tab = await context.newPage();
    let refused = 0;
    await tab.routeWebSocket(/\/api\/chats\/[^/]+\/live/, (ws) => {
      refused++;
      ws.close({ code: 1011, reason: 'e2e: no live channel' });
    });
    const beats = [];
    tab.on('response', (response) => {
      if (/\/api\/sessions\/[^/]+\/heartbeat$/.test(response.url())) beats.push(response.status());
    });
    try {
      const before = await sessionIds();
      await tab.goto(`/assistant/c/${chatId}`);
      await userMessages(tab).first().waitFor();
      const mine = await until(async () => (await sessionIds()).find((id) => !before.includes(id)), { message: "the new tab's session" });
      await until(() => beats.includes(204), { timeoutMs: HEARTBEAT_INTERVAL_S * 3000, message: 'an HTTP heartbeat' });
      assert.ok(refused >= 1, 'the tab tried its socket');
      assert.equal(await tab.locator('section[aria-label="Conversation"][data-live="true"]').count(), 0);
      await page.evaluate((id) => fetch(`/api/sessions/${id}/end`, { method: 'POST', credentials: 'same-origin' }), mine);
      await until(() => beats.includes(410), { timeoutMs: HEARTBEAT_INTERVAL_S * 3000, message: 'a heartbeat answered 410' });
      await until(
        async () => {
          const now = await sessionIds();
          return !now.includes(mine) && now.some((id) => !before.includes(id));
        },
        { timeoutMs: HEARTBEAT_INTERVAL_S * 3000, message: 'a re-opened session' },
      );
    } finally {
      await tab.close({ runBeforeUnload: true });
    }
  });

  await step('a draft survives a refresh', async () => {
    await composer().fill('A thought I have not sent yet');
    await page.reload();
    await page.waitForURL(`**/assistant/c/${chatId}`);
    await until(async () => (await composer().inputValue()) === 'A thought I have not sent yet', { message: 'the draft back in the composer' });
    await composer().fill('');
  });

  await step('a send after the sign-in expired keeps the text, re-logs in place and sends', async () => {
    await context.clearCookies();
    await send('Are you still there?');
    const relogin = page.getByRole('group', { name: 'Sign in again to send' });
    await relogin.waitFor();
    await relogin.getByLabel('Password').fill(PASSWORD);
    await relogin.getByRole('button', { name: 'Log in and send' }).click();
    await relogin.waitFor({ state: 'detached' });
    await waitIdle();
    await userMessages().filter({ hasText: 'Are you still there?' }).waitFor();
    assert.equal(await userMessages().filter({ hasText: 'Are you still there?' }).count(), 1);
    assert.match((await replies().last().textContent()) ?? '', /Are you still there\?/);
  });

  let sessionsBeforeLogout = [];
  await step('logging out ends the sessions of that login', async () => {
    sessionsBeforeLogout = (await apiFromPage('/api/sessions?agent=assistant')).sessions.map((s) => s.id);
    assert.ok(sessionsBeforeLogout.length >= 1);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/login');
    const login = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    assert.equal(login.status, 200);
    const { token } = await login.json();
    const res = await fetch(`${baseUrl}/api/sessions?agent=assistant`, { headers: { Authorization: `Bearer ${token}` } });
    const { sessions } = await res.json();
    assert.deepEqual(
      sessions.filter((s) => sessionsBeforeLogout.includes(s.id)),
      [],
      'none of the old sessions is active',
    );
  });

  await step('logging in again resumes the chat', async () => {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`**/assistant/c/${chatId}`);
    await userMessages().filter({ hasText: 'Hello there' }).waitFor();
    await userMessages().filter({ hasText: 'Are you still there?' }).waitFor();
  });

  /** What the step modules under e2e/steps/ drive the journey with. */
  const journey = {
    page,
    browser,
    baseUrl,
    mockUrl: mock.url,
    password: PASSWORD,
    maxMessageChars: MAX_MESSAGE_CHARS,
    chatId,
    step,
    until,
    watch,
    screenshot,
    send,
    waitIdle,
    waitLive,
    streamingBubble,
    log: log_,
    replies,
    userMessages,
    chatIdOf,
  };
  const planChat = await failedReplySteps(journey);
  await chatListSteps(journey, planChat);

  await step('the phone layout collapses the chat list into a drawer', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`/assistant/c/${chatId}`);
    await userMessages().first().waitFor();
    assert.equal(await page.getByRole('complementary', { name: 'Chats and navigation' }).isVisible(), false);
    await screenshot('mobile-chat');
    await page.getByRole('button', { name: 'Open chat list' }).click();
    await page
      .getByRole('complementary', { name: 'Chats and navigation' })
      .getByRole('link', { name: /Hello there/ })
      .waitFor();
    await page.waitForTimeout(300);
    await screenshot('mobile-drawer');
    await page.keyboard.press('Escape');
    await page.goto('/tasks');
    await page.getByRole('list', { name: 'Tasks' }).getByRole('link', { name: /Buy oat milk/ }).waitFor();
    await screenshot('mobile-tasks');
    await page.getByRole('list', { name: 'Tasks' }).getByRole('link', { name: /Buy oat milk/ }).click();
    await page.getByRole('heading', { name: 'Task details' }).waitFor();
    await screenshot('mobile-task-editor');
    await page.goto('/assistant/settings');
    await until(async () => (await page.getByRole('textbox', { name: 'Custom instructions' }).inputValue()) !== '', { message: 'instructions loaded' });
    await screenshot('mobile-settings');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await longHistorySteps(journey);
  await transparencySteps(journey);
  await provenanceSteps(journey);
  await draftSteps(journey);
  await historySteps(journey);
  await branchSteps(journey);
  await chatUiSteps(journey);
  await securitySteps(journey, cspViolations);

  await step('no uncaught errors in any page', async () => {
    assert.deepEqual(pageErrors, []);
  });

  const passed = runner.results.filter((r) => r.ok).length;
  const failed = runner.results.length - passed;
  exitCode = failed === 0 ? 0 : 1;
  await teardown.run();
  console.log(`${passed} passed, ${failed} failed`);
} catch (error) {
  log(`setup failed: ${error?.stack ?? error}`);
  await teardown.run();
  console.log('0 passed, 1 failed');
  exitCode = 1;
} finally {
  teardown.disarm();
}
process.exit(exitCode);
