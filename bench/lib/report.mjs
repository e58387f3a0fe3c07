// The results table: one row per figure, the app (or AIChatAgent) against the floor or a baseline,
// with the target and pass/MISS where issue 12 sets one. Paired rows are per-sample differences.
const fmt = (v, unit = '') => (v === null || v === undefined || Number.isNaN(v) ? '—' : `${Math.round(v * 100) / 100}${unit}`);
const signedMs = (v) => (typeof v === 'number' ? `${v >= 0 ? '+' : ''}${fmt(v, ' ms')}` : '—');
const share = (v) => (typeof v === 'number' ? `${fmt(v * 100)} %` : '—');
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
    const d = w.pairedDiff;
    const appTtft = d.appMinusFloor.ttftMs;
    const aiTtft = d.aichatMinusFloor.ttftMs;
    const appLast = d.appMinusFloor.lastTokenMs;
    const aiLast = d.aichatMinusFloor.lastTokenMs;
    const paired = (metric, value, opts = {}) => row(metric, value, null, { diff: false, ratio: false, format: signedMs, ...opts });
    rows.push(paired('warm TTFT, paired app − floor p50', appTtft.p50, { target: '≤ +5 ms', pass: appTtft.p50 !== null && appTtft.p50 <= 5 }));
    rows.push(
      row('warm TTFT, paired p50: app − floor (vs AIChatAgent − floor)', appTtft.p50, aiTtft.p50, {
        format: signedMs,
        diff: false,
        target: '≤ 0.5× AIChatAgent',
        pass: appTtft.p50 !== null && aiTtft.p50 !== null && appTtft.p50 <= 0.5 * aiTtft.p50,
      }),
    );
    rows.push(paired('warm TTFT, paired app − floor p50 (the goal)', appTtft.p50, { target: '≤ +3 ms', pass: appTtft.p50 !== null && appTtft.p50 <= 3 }));
    rows.push(paired('warm TTFT, paired app − floor p90', appTtft.p90));
    rows.push(paired('warm TTFT, paired AIChatAgent − floor p50', aiTtft.p50));
    rows.push(paired('warm TTFT, paired AIChatAgent − floor p90', aiTtft.p90));
    rows.push(paired('warm last token, paired app − floor p50', appLast.p50, { target: '≤ +5 ms', pass: appLast.p50 !== null && appLast.p50 <= 5 }));
    rows.push(paired('warm last token, paired app − floor p90', appLast.p90));
    rows.push(paired('warm last token, paired AIChatAgent − floor p50', aiLast.p50));
    rows.push(paired('warm last token, paired AIChatAgent − floor p90', aiLast.p90));
    rows.push(row('warm TTFT p50: app (vs floor)', w.app.ttftMs.p50, w.floor.ttftMs.p50));
    rows.push(row('warm TTFT p50: AIChatAgent (vs floor)', w.aichat.ttftMs.p50, w.floor.ttftMs.p50));
    rows.push(row('warm TTFT p95: app (vs floor)', w.app.ttftMs.p95, w.floor.ttftMs.p95));
    rows.push(row('warm TTFT p95: AIChatAgent (vs floor)', w.aichat.ttftMs.p95, w.floor.ttftMs.p95));
    rows.push(row('warm last token p50: app (vs floor)', w.app.lastTokenMs.p50, w.floor.lastTokenMs.p50));
    rows.push(row('warm last token p50: AIChatAgent (vs floor)', w.aichat.lastTokenMs.p50, w.floor.lastTokenMs.p50));
    rows.push(row('warm stream end p50: app (vs floor)', w.app.endMs.p50, w.floor.endMs.p50));
    rows.push(row('warm stream end p50: AIChatAgent (vs floor)', w.aichat.endMs.p50, w.floor.endMs.p50));
    rows.push(row('warm user_message ack p50: app (vs floor 1st token)', w.app.ackMs.p50, w.floor.ttftMs.p50));
    rows.push(row('warm request reaches model p50: app (vs floor)', w.app.modelReceivedMs.p50, w.floor.modelReceivedMs.p50));
    rows.push(row('warm request reaches model p50: AIChatAgent (vs floor)', w.aichat.modelReceivedMs.p50, w.floor.modelReceivedMs.p50));
    rows.push(row('warm model → first token p50: app (vs floor)', w.app.modelToFirstTokenMs.p50, w.floor.modelToFirstTokenMs.p50));
    rows.push(row('warm model → first token p50: AIChatAgent (vs floor)', w.aichat.modelToFirstTokenMs.p50, w.floor.modelToFirstTokenMs.p50));
    const n = Math.min(w.app.ttftMs.n, w.floor.ttftMs.n, w.aichat.ttftMs.n);
    rows.push(row('warm samples (fewest of app / floor / AIChatAgent)', n, null, { unit: '', diff: false, ratio: false, target: '≥ 200', pass: n >= 200 }));
    // The app's own breakdown (SPEC §12.4), when it reports one: p50 with p90 beside it.
    const spread = (st) => ({ format: (v) => (v === st.p50 ? `${fmt(st.p50, ' ms')} (p90 ${fmt(st.p90, ' ms')})` : '—'), diff: false, ratio: false });
    for (const [name, st] of Object.entries(w.stages ?? {})) rows.push(row(`warm app timings.stages "${name}"`, st.p50, null, spread(st)));
    for (const [name, st] of Object.entries(w.serverTiming ?? {})) rows.push(row(`warm app Server-Timing "${name}"`, st.p50, null, spread(st)));
  }
  const d1 = r.d1BeforeFirstToken;
  if (d1) {
    rows.push(
      row(`d1BeforeFirstToken = 0, share of ${d1.warm.turns} warm turns (reported by ${d1.warm.reported})`, d1.warm.shareZero, null, {
        format: share,
        diff: false,
        ratio: false,
        target: '= 100 %',
        pass: d1.warm.turns > 0 && d1.warm.zero === d1.warm.turns,
      }),
    );
    rows.push(row('d1BeforeFirstToken, max over warm turns', d1.warm.max, null, { unit: '', diff: false, ratio: false }));
    rows.push(
      row(`d1BeforeFirstToken = 0, 1st turn after session open (${d1.afterSessionOpen.turns})`, d1.afterSessionOpen.shareZero, null, {
        format: share,
        diff: false,
        ratio: false,
      }),
    );
    if (r.cold?.d1BeforeFirstToken)
      rows.push(row('d1BeforeFirstToken, max over cold turns', r.cold.d1BeforeFirstToken.max, null, { unit: '', diff: false, ratio: false }));
  }
  if (r.cold && w) {
    const d = r.cold.app.ttftMs.p50 - w.app.ttftMs.p50;
    rows.push(
      row(`cold turn (${r.config.coldSeed} msgs): first token p50 (vs warm)`, r.cold.app.ttftMs.p50, w.app.ttftMs.p50, {
        target: '≤ warm + 25 ms',
        pass: d <= 25,
      }),
    );
    rows.push(row('cold turn: last token p50 (vs warm)', r.cold.app.lastTokenMs.p50, w.app.lastTokenMs.p50));
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
  if (c?.app && c.floor) {
    const ratio = c.floor.turnsPerSecond ? c.app.turnsPerSecond / c.floor.turnsPerSecond : null;
    const label = `concurrency ${r.config.concUsers}×${r.config.concTurns}`;
    rows.push(
      row(`${label}: turns/s, app (vs floor)`, c.app.turnsPerSecond, c.floor.turnsPerSecond, {
        unit: '/s',
        target: '≥ 0.7× floor',
        pass: ratio !== null && ratio >= 0.7,
      }),
    );
    if (c.aichat) rows.push(row(`${label}: turns/s, AIChatAgent (vs floor)`, c.aichat.turnsPerSecond, c.floor.turnsPerSecond, { unit: '/s' }));
    rows.push(row('concurrency: first token p50, app (vs floor)', c.app.ttftMs.p50, c.floor.ttftMs.p50));
    rows.push(row('concurrency: first token p95, app (vs floor)', c.app.ttftMs.p95, c.floor.ttftMs.p95));
    if (c.aichat) rows.push(row('concurrency: first token p50, AIChatAgent (vs floor)', c.aichat.ttftMs.p50, c.floor.ttftMs.p50));
    if (c.aichat) rows.push(row('concurrency: first token p95, AIChatAgent (vs floor)', c.aichat.ttftMs.p95, c.floor.ttftMs.p95));
    rows.push(
      row('concurrency: errors, app (vs floor)', c.app.errors, c.floor.errors, {
        unit: '',
        ratio: false,
        diff: false,
        target: '= 0',
        pass: c.app.errors === 0,
      }),
    );
    if (c.aichat) rows.push(row('concurrency: errors, AIChatAgent', c.aichat.errors, null, { unit: '', ratio: false, diff: false }));
    if (c.app.d1BeforeFirstToken) {
      rows.push(
        row('concurrency: d1BeforeFirstToken = 0, share of app turns', c.app.d1BeforeFirstToken.shareZero, null, { format: share, diff: false, ratio: false }),
      );
    }
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
  const sh = r.shards;
  if (sh?.perShard) {
    const users = sh.perShard.map((x) => x.users).join(' / ');
    rows.push(
      row(`shards: rows written per user, most ÷ least − 1 (users ${users})`, sh.spread, null, {
        format: share,
        diff: false,
        ratio: false,
        target: `≤ ${fmt(sh.tolerance * 100)} %`,
        pass: sh.balanced,
      }),
    );
  }
  if (r.size) {
    rows.push(row('size: Worker bundle, gzip', r.size.worker.gzipBytes, null, { format: kib, diff: false, ratio: false }));
    rows.push(row('size: client JS, gzip', r.size.client.gzipBytes, null, { format: kib, diff: false, ratio: false }));
    if (r.size.aichat)
      rows.push(row('size: AIChatAgent Worker bundle, gzip (vs app)', r.size.aichat.gzipBytes, r.size.worker.gzipBytes, { format: kib, diff: false }));
  }
  return rows;
}

export function renderTable(r) {
  const header = { metric: 'metric', ours: 'app / value', base: 'floor / baseline', ratio: 'ratio', diff: 'diff', target: 'target', result: 'result' };
  const cols = Object.keys(header);
  const all = [header, ...r.table];
  const width = Object.fromEntries(cols.map((k) => [k, Math.max(...all.map((x) => String(x[k]).length))]));
  const line = (x) => `| ${cols.map((k) => String(x[k]).padEnd(width[k])).join(' | ')} |`;
  const sep = `|${cols.map((k) => '-'.repeat(width[k] + 2)).join('|')}|`;
  const m = r.machine;
  const load = m.loadAvgAtStart ? ` — load avg (1 min) ${m.loadAvgAtStart[0]} at start, ${m.loadAvgAtEnd?.[0] ?? '?'} at end` : '';
  const title = `Clarity Edge benchmark — ${r.date} — ${m.cpus}× ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node}${load} — ${r.config.tokens} tokens, ${r.config.tokenDelayMs} ms apart — seed ${r.config.seed} — p50 unless stated`;
  return [title, '', line(header), sep, ...r.table.map(line)].join('\n');
}

/**
 * What each operation costs in D1 (docs/CAPACITY.md is computed from it): the Worker's statements
 * per response (its `Server-Timing: d1;desc=<n>`), a turn's executor statements before its first
 * token, and rows written per operation on the directory and on the user's shard (write-log
 * triggers). Then the users and rows of each shard over the run.
 */
export function renderCapacity(r) {
  const lines = ['D1 per operation — Worker statements per response (Server-Timing d1), rows written per operation (triggers), mean over n'];
  const head = ['operation', 'n', 'Worker statements mean (min–max)', 'executor before 1st token', 'rows: directory', 'rows: shard'];
  const body = Object.values(r.operations ?? {}).map((o) => {
    const w = o.workerStatements;
    const ex = o.executorBeforeFirstToken;
    return [
      o.label,
      String(o.n),
      w.n ? `${fmt(w.mean)} (${w.min}–${w.max})` : '—',
      ex?.n ? `${fmt(ex.mean)} (max ${ex.max})` : '',
      fmt(o.rowsWritten.directory),
      fmt(o.rowsWritten.shard),
    ];
  });
  for (const wr of r.writesPerReply ?? []) {
    const shard = Object.entries(wr.turnWrites.byDatabase ?? {})
      .filter(([b]) => b !== 'DB')
      .reduce((n, [, d]) => n + d.total, 0);
    body.push([`one turn, ${wr.tokens}-token reply`, '1', '', '', fmt(wr.turnWrites.byDatabase?.DB?.total ?? 0), fmt(shard)]);
  }
  const all = [head, ...body];
  const width = head.map((_, i) => Math.max(...all.map((x) => x[i].length)));
  const line = (x) => `| ${x.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  lines.push('', line(head), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line));
  const sh = r.shards;
  if (sh?.perShard) {
    lines.push('');
    for (const s of sh.perShard) {
      const kinds = Object.entries(s.usersByKind ?? {}).map(([kind, n]) => `${n} ${kind}`);
      lines.push(
        `${s.binding}: ${s.users} users (${kinds.join(', ')}), ${s.rowsWritten} rows written over the run (${fmt(s.rowsPerUser)} per user), ${s.messages} messages, ${kib(s.bytes)}`,
      );
    }
    lines.push(`directory: ${sh.directory.rowsWritten} rows written over the run, ${kib(sh.directory.bytes)}`);
    lines.push(`rows per user, most ÷ least − 1: ${share(sh.spread)} — ${sh.balanced ? 'balanced' : 'NOT balanced'} within ${fmt(sh.tolerance * 100)} %`);
  }
  if (sh?.seededMessage) {
    const m = sh.seededMessage;
    const parts = Object.entries(m.perMessageByTable ?? {}).map(([table, bytes]) => `${table} ${fmt(bytes)}`);
    lines.push(
      `stored message: ${fmt(m.bytesPerMessage)} bytes each (${m.messages} messages of ${fmt(m.contentChars)} characters into ${m.shard}; by table, indexes included: ${parts.join(', ')})`,
    );
  }
  const cap = r.capacity;
  if (cap) {
    const p = cap.profile;
    const u = cap.perActiveUser;
    lines.push(
      '',
      `an active user's hour (${p.turnsPerHour} turns, ${p.heartbeatsPerHour} heartbeats, ${p.sessionOpensPerHour} session opens and ends, ${p.historyPagesPerHour} history pages, ${p.searchesPerHour} searches):`,
      `  ${fmt(u.shardRowsPerHour)} rows written on its shard (${u.shardRowsPerSecond} a second), ${fmt(u.directoryRowsPerHour)} on the directory, ${fmt(u.workerStatementsPerHour)} Worker statements, ${fmt(u.executorStatementsBeforeFirstTokenPerHour)} executor statements before first tokens, ${kib(u.bytesPerHour)} stored`,
      `active users per shard: ${cap.activeUsersPerShard.atWriterLimit} at ${cap.limits.shardWritesPerSecond} writes/s, ${cap.activeUsersPerShard.planned} at ${fmt(cap.limits.writeHeadroom * 100)} % of it`,
      `storage per shard (${fmt(cap.limits.storageHeadroom * 100)} % of ${fmt(cap.limits.shardBytes / 1e9)} GB): ${cap.storage.messagesPerShard} messages, ${cap.storage.activeHoursPerShard} active hours, ${cap.storage.userYearsPerShard} users active ${p.activeHoursPerDay} h a day for a year`,
    );
  }
  return lines.join('\n');
}
