// The soak's report: a table of what happened (turns, faults, kills, evictions, reconnections),
// then every audit line with its count and violations, and the same as JSON.

export function printReport({ config, tree, obs, audit, kills, runMs, log, write }) {
  const c = obs.counters;
  const restart = kills.map((k) => k.restartMs).sort((a, b) => a - b);
  const f = audit.figures;
  const rows = [
    ['duration', `${config.durationS} s soak, ${Math.round(runMs / 1000)} s in all (seed ${config.seed})`],
    [
      'code',
      !tree
        ? '—'
        : tree.source
          ? `a copy in ${tree.source}`
          : `${tree.commit}${tree.uncommittedFiles ? ` + ${tree.uncommittedFiles} uncommitted files (shared tree)` : ''}`,
    ],
    ['users / visits', `${config.users} users (${Math.round(config.twoTabShare * 100)} % with two tabs), ${c.visits} visits`],
    ['turns attempted', c.turnsAttempted],
    ['  acknowledged', c.acknowledged],
    ['  completed / interrupted / error', `${c.completed} / ${c.interrupted} / ${c.errored}`],
    ['  acknowledged, end not seen', c.endUnseen],
    ['  never acknowledged', c.unacknowledged],
    ['  re-sent (same clientMessageId)', c.resends],
    ['  busy / rate limited / 410', `${c.busy} / ${c.rateLimited} / ${c.gone}`],
    ['  network errors / 5xx', `${c.networkErrors} / ${c.serverErrors}`],
    ['  streams broken by kills / dropped by clients', `${c.streamsBroken} / ${c.streamsDropped}`],
    ['  stops sent / tool calls', `${c.stopsSent} / ${c.toolCalls}`],
    [
      'model faults asked for',
      Object.entries(obs.faults)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none',
    ],
    [
      'kills (SIGKILL) / restart ms',
      `${kills.length} / median ${restart[Math.floor(restart.length / 2)] ?? '—'}, max ${restart.at(-1) ?? '—'}${f.slowStarts ? ` (${f.slowStarts} starts stalled and were retried)` : ''}`,
    ],
    ['executor alarms lost (overdue in the object, unknown to the runtime)', f.lostAlarms ? f.lostAlarms.length : '—'],
    ['evictions (idle executors, by the alarm)', f.executors?.evictions ?? '—'],
    ['executors', `${f.executors?.files ?? '—'} (turns warm ${f.executors?.hits ?? '—'}, cold ${f.executors?.misses ?? '—'})`],
    ['sessions opened / ended by tab / vanished', `${c.sessionsOpened} / ${c.sessionsEnded} / ${c.sessionsVanished}`],
    ['sessions in D1 by end reason', JSON.stringify(f.sessions?.byReason ?? {})],
    ['heartbeats / failed / re-opens (after 410 or 4000)', `${c.heartbeats} / ${c.heartbeatsFailed} / ${c.reopens}`],
    ['laptops asleep past the session TTL', c.sleeps],
    ['sockets opened / reconnections / drops injected', `${c.socketsOpened} / ${c.reconnections} / ${c.socketDropsInjected}`],
    ['catch-ups (messages?after=)', c.catchUps],
    [
      'users / messages per shard (directory shard_loads)',
      f.placement
        ? `${Object.entries(f.placement.usersPerShard)
            .map(([k, n]) => `${k} ${n} / ${f.placement.messagesPerShard[k] ?? 0}`)
            .join(', ')} (${JSON.stringify(f.placement.shardLoads)})`
        : '—',
    ],
    ['replies stored by status', JSON.stringify(f.assistantByStatus ?? {})],
    ['D1 writes per reply (histogram)', JSON.stringify(f.d1Writes?.perReplyHistogram ?? {})],
    ['replayed chat touches after kills', f.d1Writes?.replayedTouches ?? '—'],
    ['chats titled by the model (one title write each, no touch)', f.d1Writes?.modelTitles ?? '—'],
    ['tool tasks / created twice', f.tasks ? `${f.tasks.titles} / ${f.tasks.doubled}` : '—'],
    [
      'app error log (last 20 KB of each process)',
      Object.entries(f.appErrorLog ?? {})
        .map(([m, e]) => `${m} ×${e.count}`)
        .join(', ') || 'none',
    ],
    ['unexpected answers', obs.unexpected.size ? [...obs.unexpected].map(([k, v]) => `${k} ×${v.count}`).join(', ') : 'none'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  log('');
  for (const [k, v] of rows) log(`${k.padEnd(width)}  ${v}`);
  for (const [k, v] of obs.unexpected) for (const e of v.examples) log(`  unexpected ${k}: ${e}`);
  for (const [m, e] of Object.entries(f.appErrorLog ?? {})) log(`  app log "${m}": ${e.examples[0]}`);
  log('');
  for (const line of audit.lines()) log(line);
  const file = write({
    finishedAt: new Date().toISOString(),
    config,
    tree,
    runMs,
    counters: c,
    faults: obs.faults,
    kills,
    unexpected: Object.fromEntries(obs.unexpected),
    figures: f,
    audit: audit.results,
  });
  log(`JSON report: ${file}`);
}
