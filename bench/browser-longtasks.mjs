// `node bench/browser-longtasks.mjs`: streaming into a long chat, as the browser feels it (issue 18
// item 8). Imports a 500-message chat (paragraphs, lists, code blocks, tables), opens it in
// Debian's Chromium with every message loaded, then streams replies into it and counts the main
// thread's long tasks (over 50 ms) from the send to the stored reply. Target: 0.
//
// Two figures per run (e2e/main-thread.mjs): the Long Tasks API's (wall time) and the same tasks'
// CPU time from Chromium's trace. On a machine shared with other work the first also counts the
// time the page's thread waited for a core; the second is the page's own work.
//
// Loopback only: builds (unless BENCH_SKIP_BUILD=1), a throwaway D1, the mock model and
// `wrangler dev`, all torn down at the end; or an app already running at BASE_URL. Prints one
// line per run and a JSON summary; exits non-zero only when the harness fails.
/* global document -- page.waitForFunction callbacks run in the browser */
import assert from 'node:assert/strict';
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { startMockModel } from '../mock-model/server.mjs';
import { applyD1Migrations, CHROMIUM, CHROMIUM_ARGS, createTeardown, freePort, log, makeTempDir, runStep, startWrangler, waitForHealth } from '../e2e/harness.mjs';
import { LONG_TASK_MS, watchMainThread } from '../e2e/main-thread.mjs';
import { importChat, longChatFile, newReader } from '../e2e/seed-chats.mjs';

const MESSAGES = Number(process.env.LONGTASK_MESSAGES ?? 500);
const RUNS = Number(process.env.LONGTASK_RUNS ?? 3);
/** A reply of about this many tokens at this pace: ~6 s of streaming, ~65 tokens a second like a fast model. */
const TOKENS = 400;
const TOKEN_DELAY_MS = 15;
const PASSWORD = 'correct horse battery';

const teardown = createTeardown({ log, deadlineMs: 10 * 60_000, deadlineMessage: 'browser long-task bench exceeded 10 minutes' });

async function startApp() {
  if (process.env.BASE_URL) return process.env.BASE_URL;
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    log('building (vite build)…');
    runStep('npx', ['vite', 'build'], { timeoutMs: 240_000 });
  }
  const state = makeTempDir();
  teardown.add(state.remove);
  await applyD1Migrations({ persistTo: state.dir });
  const mock = await startMockModel({ port: 0 });
  teardown.add(() => mock.close());
  const port = await freePort();
  const wrangler = startWrangler({ port, persistTo: state.dir, vars: { OPENAI_BASE_URL: mock.url } });
  teardown.add(() => wrangler.stop());
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHealth(baseUrl, { timeoutMs: 120_000, isAlive: () => wrangler.child.exitCode === null });
  return baseUrl;
}

/** Streams one reply into the open chat; answers what the main thread did meanwhile. */
async function streamOnce(page, run) {
  // A length of its own per run, so the end of this run's reply is not found in the last one's.
  const tokens = TOKENS + run;
  const composer = page.getByRole('textbox', { name: 'Message' });
  await composer.fill(`Stream a long answer, run ${run} [[tokens:${tokens}]] [[delay:${TOKEN_DELAY_MS}]]`);
  const stop = await watchMainThread(page);
  const started = Date.now();
  await composer.press('Enter');
  // Done when the whole reply is stored and shown (no streaming row left).
  await page.waitForFunction(
    (last) => {
      const replies = document.querySelectorAll('[role="log"] article[aria-label="Assistant replied"]');
      return !document.querySelector('[role="log"] [aria-busy="true"]') && replies[replies.length - 1]?.textContent?.includes(last);
    },
    `token${tokens}`,
    { timeout: 90_000, polling: 250 },
  );
  const streamedMs = Date.now() - started;
  // The last task (the stored reply taking the streaming one's place) lands in the observer.
  await page.waitForTimeout(300);
  return { ...(await stop()), streamedMs };
}

let exitCode = 0;
try {
  const baseUrl = await startApp();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
  teardown.add(() => browser.close());
  const context = await newReader(browser, baseUrl, PASSWORD);
  const chatId = await importChat(context, baseUrl, longChatFile(MESSAGES));

  const page = await context.newPage();
  await page.goto(`/assistant/c/${chatId}`);
  await page.getByRole('article', { name: 'Assistant replied' }).last().waitFor({ timeout: 30_000 });
  // Scroll to the top until every page is loaded, so all of the chat's messages are in the page.
  const older = page.getByRole('button', { name: /^(Load earlier messages|Loading…)$/ });
  const scroller = page.getByRole('region', { name: 'Conversation' }).locator('.scroller');
  for (let i = 0; i < 60 && (await older.count()) > 0; i++) {
    await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
    await page.waitForTimeout(400);
  }
  const rows = await page.getByRole('log', { name: 'Messages' }).getByRole('article').count();
  assert.ok(rows >= MESSAGES, `all ${MESSAGES} messages in the page (saw ${rows})`);
  await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await page.waitForTimeout(1000);

  const results = [];
  for (let run = 1; run <= RUNS; run++) {
    const r = await streamOnce(page, run);
    results.push(r);
    log(
      `run ${run}: ${r.wall.length} long tasks > ${LONG_TASK_MS} ms (wall)${r.wall.length ? ` [${r.wall.join(', ')} ms]` : ''}, ` +
        `${r.cpu.length} by CPU time (longest task ${r.cpuMaxMs} ms of CPU over ${r.tasks} tasks), streaming took ${r.streamedMs} ms`,
    );
  }
  const wall = results.flatMap((r) => r.wall);
  console.log(
    JSON.stringify({
      messagesInPage: rows,
      runs: RUNS,
      tokensPerRun: TOKENS,
      longTasksOver50ms: wall.length,
      perRun: results.map((r) => r.wall.length),
      longestMs: Math.max(0, ...wall),
      cpuLongTasksOver50ms: results.reduce((n, r) => n + r.cpu.length, 0),
      cpuLongestMs: Math.max(...results.map((r) => r.cpuMaxMs)),
      loadAverage1m: Number(loadavg()[0].toFixed(2)),
      target: 0,
    }),
  );
} catch (error) {
  log(`failed: ${error?.stack ?? error}`);
  exitCode = 1;
} finally {
  await teardown.run();
  teardown.disarm();
}
process.exit(exitCode);
