// The results table: one row per figure, ours against the floor or baseline, with the target.
const fmt = (v, unit = '') => (v === null || v === undefined || Number.isNaN(v) ? '—' : `${Math.round(v * 100) / 100}${unit}`);
const kib = (bytes) => (bytes === null || bytes === undefined ? '—' : `${(bytes / 1024).toFixed(1)} KiB`);

function row(metric, ours, base, { unit = ' ms', target = '', pass = null, diff = true, ratio = true, format } = {}) {
  const show = format ?? ((v) => fmt(v, unit));
  return {
    metric,
    ours: show(ours),
    base: show(base),
    ratio: ratio && typeof ours === 'number' && typeof base === 'number' && base !== 0 ? `${(ours / base).toFixed(2)}×` : '',
    diff: diff && typeof ours === 'number' && typeof base === 'number' ? `${ours - base >= 0 ? '+' : ''}${fmt(ours - base, unit)}` : '',
    target,
    result: pass === null ? '' : pass ? 'pass' : 'MISS',
    values: { ours, base },
  };
}

export function buildTable(r) {
  const rows = [];
  const w = r.warm;
  if (w) {
    const t = w.ours.ttftMs.p50 - w.floor.ttftMs.p50;
    const l = w.ours.lastTokenMs.p50 - w.floor.lastTokenMs.p50;
    rows.push(row('warm turn: first token p50 (vs floor)', w.ours.ttftMs.p50, w.floor.ttftMs.p50, { target: '≤ floor + 3 ms', pass: t <= 3 }));
    rows.push(row('warm turn: first token p95 (vs floor)', w.ours.ttftMs.p95, w.floor.ttftMs.p95));
    rows.push(row('warm turn: last token p50 (vs floor)', w.ours.lastTokenMs.p50, w.floor.lastTokenMs.p50, { target: '≤ floor + 5 ms', pass: l <= 5 }));
    rows.push(row('warm turn: last token p95 (vs floor)', w.ours.lastTokenMs.p95, w.floor.lastTokenMs.p95));
    rows.push(row('warm turn: stream end p50 (vs floor)', w.ours.endMs.p50, w.floor.endMs.p50));
    rows.push(row('warm turn: user_message ack p50 (vs floor 1st token)', w.ours.ackMs.p50, w.floor.ttftMs.p50));
    rows.push(row('warm turn: request reaches model p50', w.ours.modelReceivedMs.p50, w.floor.modelReceivedMs.p50));
    rows.push(row('warm turn: model → first token p50', w.ours.modelToFirstTokenMs.p50, w.floor.modelToFirstTokenMs.p50));
    rows.push(
      row('warm turn: samples (ours / floor)', w.ours.ttftMs.n, w.floor.ttftMs.n, {
        unit: '',
        diff: false,
        ratio: false,
        target: '≥ 200',
        pass: w.ours.ttftMs.n >= 200 && w.floor.ttftMs.n >= 200,
      }),
    );
  }
  if (r.cold && w) {
    const d = r.cold.ours.ttftMs.p50 - w.ours.ttftMs.p50;
    rows.push(
      row(`cold turn (${r.config.coldSeed} msgs): first token p50 (vs warm)`, r.cold.ours.ttftMs.p50, w.ours.ttftMs.p50, {
        target: '≤ warm + 25 ms',
        pass: d <= 25,
      }),
    );
    rows.push(row('cold turn: last token p50 (vs warm)', r.cold.ours.lastTokenMs.p50, w.ours.lastTokenMs.p50));
    rows.push(row('cold turn: server buildMs p50 (vs warm)', r.cold.serverTimings.buildMs.p50, w.serverTimings.buildMs.p50));
  }
  const hb = r.heartbeat;
  if (hb?.burst) {
    rows.push(row('heartbeat: requests/s (10 in flight)', hb.burst.rps, null, { unit: '/s', diff: false, ratio: false }));
    rows.push(row('heartbeat: latency p50', hb.burst.latency.p50, null, { diff: false, ratio: false }));
    rows.push(
      row(`heartbeat: D1 writes/heartbeat, burst of ${hb.burst.count}`, hb.burst.writesPerHeartbeat, null, {
        unit: '',
        diff: false,
        ratio: false,
        target: '≤ 0.2',
        pass: hb.burst.writesPerHeartbeat <= 0.2,
      }),
    );
  }
  if (hb?.steady) {
    rows.push(
      row(`heartbeat: D1 writes/heartbeat, steady (${hb.steady.beats} beats, ×1/150 time)`, hb.steady.writesPerHeartbeat, null, {
        unit: '',
        diff: false,
        ratio: false,
        target: '≤ 0.2',
        pass: hb.steady.writesPerHeartbeat <= 0.2,
      }),
    );
  }
  for (const wr of r.writesPerReply ?? []) {
    rows.push(
      row(`D1 writes per reply, ${wr.tokens} tokens (whole turn)`, wr.replyWrites, wr.turnWrites.total, {
        unit: '',
        diff: false,
        ratio: false,
        target: '≤ 2',
        pass: wr.replyWrites <= 2,
      }),
    );
  }
  if (r.history) {
    rows.push(
      row(`history: first page p50, ${r.config.historyBig} vs ${r.config.historySmall} msgs`, r.history.big.p50, r.history.small.p50, {
        target: '≤ 2×',
        pass: r.history.big.p50 <= 2 * r.history.small.p50,
      }),
    );
  }
  const c = r.concurrency;
  if (c) {
    rows.push(
      row(`concurrency ${r.config.concUsers}×${r.config.concTurns}: turns/s (vs floor)`, c.ours.turnsPerSecond, c.floor.turnsPerSecond, { unit: '/s' }),
    );
    rows.push(row('concurrency: first token p95 (vs floor)', c.ours.ttftMs.p95, c.floor.ttftMs.p95));
    rows.push(row('concurrency: first token p50 (vs floor)', c.ours.ttftMs.p50, c.floor.ttftMs.p50));
    rows.push(
      row('concurrency: errors (vs floor)', c.ours.errors, c.floor.errors, { unit: '', ratio: false, diff: false, target: '= 0', pass: c.ours.errors === 0 }),
    );
  }
  const p = r.probes;
  if (p) {
    rows.push(row('probe: GET /api/health (vs floor GET)', p.health.p50, p.floorGet.p50));
    rows.push(row('probe: GET /api/auth/me (vs health)', p.authMe.p50, p.health.p50));
    rows.push(row('probe: GET executor state (vs auth/me)', p.executorState.p50, p.authMe.p50));
    rows.push(row('probe: GET first page of 50 (vs auth/me)', p.firstPage50.p50, p.authMe.p50));
  }
  const a = r.anatomy;
  if (a) {
    const c1 = a.clientMs;
    rows.push(row('anatomy: 1 D1 round trip (client, vs no-op)', c1.d1.p50, c1.noop.p50));
    rows.push(row('anatomy: 1 auth-shaped D1 write+read (vs no-op)', c1.d1Auth.p50, c1.noop.p50));
    rows.push(row('anatomy: 1 rate-limit call (vs no-op)', c1.rateLimit.p50, c1.noop.p50));
    rows.push(row('anatomy: 1 DO RPC (vs no-op)', c1.doRpc.p50, c1.noop.p50));
    const wk = a.workerMsPerCall;
    rows.push(row('anatomy, in Worker: D1 round trip / call', wk.d1.p50, null, { diff: false, ratio: false }));
    rows.push(row('anatomy, in Worker: DO RPC / call', wk.doRpc.p50, null, { diff: false, ratio: false }));
    rows.push(row('anatomy, in Worker: rate limit / call', wk.rateLimit.p50, null, { diff: false, ratio: false }));
    rows.push(row('anatomy, in DO: storage.sql INSERT / row', wk.doSql.p50, null, { diff: false, ratio: false }));
    rows.push(row('anatomy: first token piped through a DO (vs floor)', a.streams.pipeDo.ttftMs.p50, a.streams.floor.ttftMs.p50));
    rows.push(row('anatomy: … after a DO storage write (vs plain DO)', a.streams.pipeDoWrite.ttftMs.p50, a.streams.pipeDo.ttftMs.p50));
    rows.push(row('anatomy: … after a write + setAlarm (vs plain DO)', a.streams.pipeDoWriteAlarm.ttftMs.p50, a.streams.pipeDo.ttftMs.p50));
    rows.push(row('anatomy: first token via openai SDK (vs floor)', a.streams.sdk.ttftMs.p50, a.streams.floor.ttftMs.p50));
    rows.push(row('anatomy: last token via openai SDK (vs floor)', a.streams.sdk.lastTokenMs.p50, a.streams.floor.lastTokenMs.p50));
  }
  if (r.size) {
    rows.push(row('size: Worker bundle, gzip', r.size.worker.gzipBytes, null, { format: kib, diff: false, ratio: false }));
    rows.push(row('size: client JS, gzip', r.size.client.gzipBytes, null, { format: kib, diff: false, ratio: false }));
  }
  return rows;
}

export function renderTable(r) {
  const header = { metric: 'metric', ours: 'ours', base: 'floor/baseline', ratio: 'ratio', diff: 'diff', target: 'target', result: 'result' };
  const cols = Object.keys(header);
  const all = [header, ...r.table];
  const width = Object.fromEntries(cols.map((k) => [k, Math.max(...all.map((x) => String(x[k]).length))]));
  const line = (x) => `| ${cols.map((k) => String(x[k]).padEnd(width[k])).join(' | ')} |`;
  const sep = `|${cols.map((k) => '-'.repeat(width[k] + 2)).join('|')}|`;
  const m = r.machine;
  const title = `Clarity Edge benchmark — ${r.date} — ${m.cpus}× ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node} — ${r.config.tokens} tokens, ${r.config.tokenDelayMs} ms apart — p50 unless stated`;
  return [title, '', line(header), sep, ...r.table.map(line)].join('\n');
}
