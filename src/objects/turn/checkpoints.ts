/**
 * The partial reply of an in-flight generation, in the executor's own storage (SPEC §4.5):
 * updated at most every CHECKPOINT_INTERVAL_MS, never a D1 write per token. If the object dies
 * mid-reply, the next wake (or the alarm) finds it and writes it to D1 as `interrupted`.
 */
import type { ToolCallRecord } from '../history-window';

export const CHECKPOINT_INTERVAL_MS = 250;

export interface Checkpoint {
  messageId: string;
  chatId: string;
  seq: number;
  /**
   * The message the reply follows (SPEC §16), so a reply recovered after a crash lands on the
   * branch it was written on. Null only in a checkpoint saved before branches existed.
   */
  parentSeq: number | null;
  content: string;
  toolCalls: ToolCallRecord[];
  model: string;
  startedAt: number;
  updatedAt: number;
}

type Row = {
  message_id: string;
  chat_id: string;
  seq: number;
  content: string;
  tool_calls: string;
  model: string;
  started_at: number;
  updated_at: number;
  parent_seq: number | null;
};

export class CheckpointStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS checkpoints (
      message_id TEXT PRIMARY KEY, chat_id TEXT NOT NULL, seq INTEGER NOT NULL, content TEXT NOT NULL,
      tool_calls TEXT NOT NULL, model TEXT NOT NULL, started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
      parent_seq INTEGER
    )`);
    // An object created before branches has the table without the column: CREATE … IF NOT EXISTS left it so.
    const hasParent = sql.exec<{ n: number }>("SELECT count(*) AS n FROM pragma_table_info('checkpoints') WHERE name = 'parent_seq'").one().n > 0;
    if (!hasParent) sql.exec('ALTER TABLE checkpoints ADD COLUMN parent_seq INTEGER');
  }

  save(c: Checkpoint): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO checkpoints (message_id, chat_id, seq, content, tool_calls, model, started_at, updated_at, parent_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      c.messageId,
      c.chatId,
      c.seq,
      c.content,
      JSON.stringify(c.toolCalls),
      c.model,
      c.startedAt,
      c.updatedAt,
      c.parentSeq,
    );
  }

  remove(messageId: string): void {
    this.#sql.exec('DELETE FROM checkpoints WHERE message_id = ?', messageId);
  }

  list(): Checkpoint[] {
    return this.#sql
      .exec<Row>('SELECT * FROM checkpoints ORDER BY started_at')
      .toArray()
      .map((r) => ({
        messageId: r.message_id,
        chatId: r.chat_id,
        seq: r.seq,
        // A reply checkpointed before branches followed the message right before it.
        parentSeq: r.parent_seq ?? (r.seq > 1 ? r.seq - 1 : null),
        content: r.content,
        toolCalls: JSON.parse(r.tool_calls) as ToolCallRecord[],
        model: r.model,
        startedAt: r.started_at,
        updatedAt: r.updated_at,
      }));
  }

  count(): number {
    return this.#sql.exec<{ n: number }>('SELECT count(*) AS n FROM checkpoints').one().n;
  }
}
