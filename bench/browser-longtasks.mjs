// `node bench/browser-longtasks.mjs`: streaming into a long chat, as the browser feels it (issue 18
// item 8). Imports a 500-message chat (paragraphs, lists, code blocks, tables), opens it in
// Debian's Chromium, then streams a reply into it and counts the main thread's long tasks (over
// 50 ms, the Long Tasks API) from the send to the stored reply. Target: 0.
//
// Loopback only: builds (unless BENCH_SKIP_BUILD=1), a throwaway D1, the mock model and
// `wrangler dev`, all torn down at the end; or an already running app with BASE_URL=http://127.0.0.1:PORT.
// Prints one line per run and a JSON summary; exits non-zero only when the harness fails.
/* global window, document -- page.evaluate callbacks run in the browser */
import assert from 'node:assert/strict';
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { startMockModel } from '../mock-model/server.mjs';
import { CHROMIUM, CHROMIUM_ARGS, createTeardown, freePort, log, makeTempDir, runStep, startWrangler, waitForHealth } from '../e2e/harness.mjs';

const MESSAGES = Number(process.env.LONGTASK_MESSAGES ?? 500);
const RUNS = Number(process.env.LONGTASK_RUNS ?? 3);
/** A reply of this many tokens at this pace: about 6 s of streaming, ~65 tokens a second like a fast model. */
const TOKENS = 400;
const TOKEN_DELAY_MS = 15;
const LONG_TASK_MS = 50;
const PASSWORD = 'correct horse battery';

const teardown = createTeardown({ log, deadlineMs: 10 * 60_000, deadlineMessage: 'browser long-task bench exceeded 10 minutes' });

/** One assistant reply of the seeded chat: the kinds of Markdown a real chat has, different in each. */
function reply(i) {
  const parts = [`Here is answer number ${i}. It explains the idea in a couple of sentences, with **bold** text, \`inline code\` and a [link](https://example.com/${i}).`];
  parts.push(`- first point of ${i}\n- second point, a little longer than the first\n- third point`);
  if (i % 3 === 0) parts.push(`\`\`\`ts\nexport function answer${i}(input: string): number {\n  // count the words of the input\n  return input.split(/\\s+/).filter(Boolean).length + ${i};\n}\n\`\`\``);
  if (i % 5 === 0) parts.push(`| name | value | note |\n|---|---|---|\n| alpha | ${i} | first |\n| beta | ${i * 2} | second |`);
  if (i % 7 === 0) parts.push(`\`\`\`python\ndef answer_${i}(xs):\n    return sum(x * x for x in xs) / max(len(xs), 1)\n\`\`\``);
  parts.push('That should cover it; ask again if anything is unclear.');
  return parts.join('\n\n');
}

function longChatFile(count) {
  const start = Date.now() - count * 60_000;
  const messages = [];
  for (let seq = 1; seq <= count; seq++) {
    const turn = Math.ceil(seq / 2);
    const user = seq % 2 === 1;
    messages.push({ seq, role: user ? 'user' : 'assistant', content: user ? `Question ${turn}: how would you explain topic ${turn}?` : reply(turn), createdAt: start + seq * 30_000 });
  }
  return { chat: { id: `bench-long-${count}`, title: `A ${count}-message chat`, createdAt: start, updatedAt: start + count * 30_000 }, messages };
}

async function startApp() {
  if (process.env.BASE_URL) return process.env.BASE_URL;
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    log('building (vite build)…');
    runStep('npx', ['vite', 'build'], { timeoutMs: 240_000 });
  }
  const state = makeTempDir();
  teardown.add(state.remove);
  runStep('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state.dir], { timeoutMs: 120_000 });
  const mock = await startMockModel({ port: 0 });
  teardown.add(() => mock.close());
  const port = await freePort();
  const wrangler = startWrangler({ port, persistTo: state.dir, vars: { OPENAI_BASE_URL: mock.url } });
  teardown.add(() => wrangler.stop());
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHealth(baseUrl, { timeoutMs: 120_000, isAlive: () => wrangler.child.exitCode === null });
  return baseUrl;
}

/**
 * The page's main-thread tasks as Chromium's trace records them, with their CPU time (`tdur`):
 * on a machine busy with other work a task's wall time (what the Long Tasks API measures)
 * includes the time the thread waited for a core, its CPU time does not.
 */
async function traceMainThread(cdp) {
  const events = [];
  const onData = (data) => events.push(...data.value);
  cdp.on('Tracing.dataCollected', onData);
  await cdp.send('Tracing.start', { categories: 'toplevel', transferMode: 'ReportEvents' });
  return async () => {
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await complete;
    cdp.off('Tracing.dataCollected', onData);
    const main = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
    return events.filter((e) => e.name === 'ThreadControllerImpl::RunTask' && main.has(`${e.pid}:${e.tid}`) && typeof e.tdur === 'number').map((e) => ({ wallMs: e.dur / 1000, cpuMs: e.tdur / 1000 }));
  };
}

/** Streams one reply into the open chat and answers the long tasks seen meanwhile. */
async function streamOnce(page, cdp, run) {
  // A length of its own per run, so the end of this run's reply is not found in the last one's.
  const tokens = TOKENS + run;
  await page.evaluate((threshold) => {
    window.__longTasks = [];
    window.__frames = [];
    for (const observer of window.__observers ?? []) observer.disconnect();
    const tasks = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.duration > threshold) window.__longTasks.push(Math.round(entry.duration));
    });
    tasks.observe({ type: 'longtask' });
    // What the slow frames spent their time on (Long Animation Frames API): which callbacks, how much forced layout.
    const frames = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.duration <= threshold) continue;
        const scripts = entry.scripts.map((s) => `${s.invoker} ${Math.round(s.duration)} ms (forced layout ${Math.round(s.forcedStyleAndLayoutDuration)} ms)`);
        window.__frames.push(`${Math.round(entry.duration)} ms frame, rendering ${Math.round(entry.renderStart ? entry.startTime + entry.duration - entry.renderStart : 0)} ms: ${scripts.join('; ') || 'no script'}`);
      }
    });
    frames.observe({ type: 'long-animation-frame' });
    window.__observers = [tasks, frames];
  }, LONG_TASK_MS);
  const composer = page.getByRole('textbox', { name: 'Message' });
  await composer.fill(`Stream a long answer, run ${run} [[tokens:${tokens}]] [[delay:${TOKEN_DELAY_MS}]]`);
  const stopTrace = await traceMainThread(cdp);
  const started = Date.now();
  await composer.press('Enter');
  // Done when the whole reply is stored and shown (the streaming row has gone).
  await page.waitForFunction(
    (last) => {
      const replies = document.querySelectorAll('[role="log"] article[aria-label="Assistant replied"]:not([aria-busy="true"])');
      return replies[replies.length - 1]?.textContent?.includes(last) && !document.querySelector('[role="log"] [aria-busy="true"]');
    },
    `token${tokens}`,
    { timeout: 90_000, polling: 250 },
  );
  const streamedMs = Date.now() - started;
  // Let the last task (the stored reply replacing the streaming one) land in the observer.
  await page.waitForTimeout(300);
  const traced = await stopTrace();
  const tasks = await page.evaluate(() => window.__longTasks);
  const frames = await page.evaluate(() => window.__frames);
  const text = await page.getByRole('article', { name: 'Assistant replied' }).last().textContent();
  assert.match(text ?? '', new RegExp(`token${tokens}\\b`), 'the whole reply arrived');
  const cpuLong = traced.filter((t) => t.cpuMs > LONG_TASK_MS).map((t) => Math.round(t.cpuMs));
  const cpuMaxMs = Math.round(Math.max(0, ...traced.map((t) => t.cpuMs)));
  return { tasks, frames, streamedMs, cpuLong, cpuMaxMs };
}

let exitCode = 0;
try {
  const baseUrl = await startApp();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
  teardown.add(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: baseUrl });
  const signup = await context.request.post('/api/auth/signup', { data: { email: `bench-longtasks-${Date.now()}@example.com`, password: PASSWORD } });
  assert.equal(signup.status(), 201, await signup.text());
  const imported = await context.request.post('/api/chats/import?agent=assistant', {
    data: JSON.stringify(longChatFile(MESSAGES)),
    headers: { Origin: baseUrl, 'Content-Type': 'application/json' },
    timeout: 60_000,
  });
  assert.equal(imported.status(), 201, await imported.text());
  const chatId = (await imported.json()).imported[0].chatId;

  const page = await context.newPage();
  await page.goto(`/assistant/c/${chatId}`);
  await page.getByRole('article', { name: 'Assistant replied' }).last().waitFor({ timeout: 30_000 });
  // Scroll to the top until every page is loaded, so all of the chat's messages are in the page.
  const scroller = page.getByRole('region', { name: 'Conversation' });
  for (let i = 0; i < 60; i++) {
    // The button reads "Loading…" while a page is on its way.
    const more = await page.getByRole('button', { name: /^(Load earlier messages|Loading…)$/ }).count();
    if (more === 0) break;
    await scroller.evaluate((section) => section.querySelector('.scroller')?.scrollTo({ top: 0 }));
    await page.waitForTimeout(400);
  }
  const rows = await page.getByRole('log', { name: 'Messages' }).getByRole('article').count();
  assert.ok(rows >= MESSAGES, `all ${MESSAGES} messages in the page (saw ${rows})`);
  await scroller.evaluate((section) => {
    const el = section.querySelector('.scroller');
    if (el) el.scrollTop = el.scrollHeight;
  });
  await page.waitForTimeout(1000);

  const cdp = await context.newCDPSession(page);
  const results = [];
  for (let run = 1; run <= RUNS; run++) {
    const result = await streamOnce(page, cdp, run).catch(async (error) => {
      if (process.env.LONGTASK_FAILURE_SHOT) await page.screenshot({ path: process.env.LONGTASK_FAILURE_SHOT });
      throw error;
    });
    results.push(result);
    log(
      `run ${run}: ${result.tasks.length} long tasks > ${LONG_TASK_MS} ms while streaming ${TOKENS} tokens (${result.streamedMs} ms)${result.tasks.length ? `: ${result.tasks.join(', ')} ms` : ''}; ` +
        `by main-thread CPU time ${result.cpuLong.length} over ${LONG_TASK_MS} ms (longest ${result.cpuMaxMs} ms)`,
    );
    if (process.env.LONGTASK_FRAMES === '1') for (const frame of result.frames) log(`  ${frame}`);
  }
  const all = results.flatMap((r) => r.tasks);
  const summary = {
    messagesInPage: rows,
    runs: RUNS,
    tokensPerRun: TOKENS,
    longTasksOver50ms: all.length,
    perRun: results.map((r) => r.tasks.length),
    longestMs: all.length ? Math.max(...all) : 0,
    cpuLongTasksOver50ms: results.reduce((n, r) => n + r.cpuLong.length, 0),
    cpuLongestMs: Math.max(...results.map((r) => r.cpuMaxMs)),
    loadAverage1m: Number(loadavg()[0].toFixed(2)),
    target: 0,
  };
  console.log(JSON.stringify(summary));
} catch (error) {
  log(`failed: ${error?.stack ?? error}`);
  exitCode = 1;
} finally {
  await teardown.run();
  teardown.disarm();
}
process.exit(exitCode);
