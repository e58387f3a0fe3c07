// The page's main-thread tasks while something happens, two ways: the Long Tasks API (wall time,
// what the target names) and Chromium's trace, whose `tdur` is each task's CPU time. On a
// machine busy with other work a task's wall time includes the time its thread waited for a
// core; its CPU time does not, so a check that must not flake on a shared machine reads that.

export const LONG_TASK_MS = 50;

/** Starts watching; the function it answers stops and answers `{ wall: [ms…], cpu: [ms…], cpuMaxMs }` for tasks over LONG_TASK_MS. */
export async function watchMainThread(page) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (data) => events.push(...data.value));
  await cdp.send('Tracing.start', { categories: 'toplevel,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  await page.evaluate((threshold) => {
    window.__longTasks = [];
    window.__longTaskObserver?.disconnect();
    window.__longTaskObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.duration > threshold) window.__longTasks.push(Math.round(entry.duration));
    });
    window.__longTaskObserver.observe({ type: 'longtask' });
  }, LONG_TASK_MS);
  return async () => {
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await complete;
    await cdp.detach();
    const wall = await page.evaluate(() => {
      window.__longTaskObserver?.disconnect();
      return window.__longTasks;
    });
    // The page's own renderer: the browser runs other pages (other steps' tabs) in processes of their own.
    const pids = new Set(events.filter((e) => e.name === 'TracingStartedInBrowser').flatMap((e) => (e.args?.data?.frames ?? []).map((f) => f.processId)));
    const main = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && pids.has(e.pid)).map((e) => `${e.pid}:${e.tid}`));
    const cpuTimes = events
      .filter((e) => e.name === 'ThreadControllerImpl::RunTask' && main.has(`${e.pid}:${e.tid}`) && typeof e.tdur === 'number')
      .map((e) => e.tdur / 1000);
    if (cpuTimes.length === 0) throw new Error('the trace recorded no main-thread task');
    return { wall, cpu: cpuTimes.filter((ms) => ms > LONG_TASK_MS).map(Math.round), cpuMaxMs: Math.round(Math.max(...cpuTimes)), tasks: cpuTimes.length };
  };
}
