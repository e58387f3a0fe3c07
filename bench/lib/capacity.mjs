// docs/CAPACITY.md's figures, computed from what the run measured: the D1 cost of each operation
// (the Worker's statements, a turn's executor statements before its first token, rows written on
// the directory and on the user's shard) times an active user's hour (`profile`, an assumption
// stated in the doc), against one shard's limits (one writer, 10 GB).

/** What an active user does in an hour at the keyboard, and which measured operation each is. */
export const ACTIVE_HOUR = [
  { op: 'turn', per: 'turnsPerHour' },
  { op: 'heartbeatSteady', per: 'heartbeatsPerHour' },
  { op: 'sessionOpen', per: 'sessionOpensPerHour' },
  { op: 'sessionEnd', per: 'sessionOpensPerHour' },
  { op: 'historyPage', per: 'historyPagesPerHour' },
  { op: 'search', per: 'searchesPerHour' },
];

const round = (v, digits = 2) => (typeof v === 'number' ? Math.round(v * 10 ** digits) / 10 ** digits : null);

/**
 * An active user's D1 load per hour and what one shard holds of them. Null when an operation
 * the hour needs was not measured (a failed or partial run).
 */
export function computeCapacity(results, { profile, limits }) {
  const ops = results.operations ?? {};
  if (ACTIVE_HOUR.some(({ op }) => !ops[op])) return null;
  const hour = ACTIVE_HOUR.map(({ op, per }) => {
    const o = ops[op];
    const times = profile[per];
    return {
      op,
      times,
      workerStatements: times * (o.workerStatements.mean ?? 0),
      executorBeforeFirstToken: times * (o.executorBeforeFirstToken?.mean ?? 0),
      shardRows: times * o.rowsWritten.shard,
      directoryRows: times * o.rowsWritten.directory,
    };
  });
  const sum = (key) => hour.reduce((n, h) => n + h[key], 0);
  const shardRowsPerHour = sum('shardRows');
  const shardRowsPerSecond = shardRowsPerHour / 3600;
  const usable = limits.shardWritesPerSecond * limits.writeHeadroom;
  const message = results.shards?.seededMessage;
  // Two messages a turn (the user's and the reply), each the size the seeded ones measured.
  const bytesPerHour = message ? profile.turnsPerHour * 2 * message.bytesPerMessage : null;
  const usableBytes = limits.shardBytes * limits.storageHeadroom;
  const activeHours = bytesPerHour ? usableBytes / bytesPerHour : null;
  return {
    profile,
    limits,
    perHour: hour.map((h) => ({ ...h, workerStatements: round(h.workerStatements), shardRows: round(h.shardRows), directoryRows: round(h.directoryRows) })),
    perActiveUser: {
      shardRowsPerHour: round(shardRowsPerHour),
      shardRowsPerSecond: round(shardRowsPerSecond, 5),
      directoryRowsPerHour: round(sum('directoryRows')),
      workerStatementsPerHour: round(sum('workerStatements')),
      executorStatementsBeforeFirstTokenPerHour: round(sum('executorBeforeFirstToken')),
      bytesPerHour: round(bytesPerHour, 0),
    },
    activeUsersPerShard: {
      atWriterLimit: shardRowsPerSecond > 0 ? Math.floor(limits.shardWritesPerSecond / shardRowsPerSecond) : null,
      planned: shardRowsPerSecond > 0 ? Math.floor(usable / shardRowsPerSecond) : null,
    },
    storage: {
      bytesPerMessage: message?.bytesPerMessage ?? null,
      messagesPerShard: message ? Math.floor(usableBytes / message.bytesPerMessage) : null,
      activeHoursPerShard: activeHours === null ? null : Math.floor(activeHours),
      // Users active `activeHoursPerDay` every day for a year: how many of them fill one shard's usable bytes.
      userYearsPerShard: activeHours === null ? null : Math.floor(activeHours / (365 * profile.activeHoursPerDay)),
    },
  };
}
