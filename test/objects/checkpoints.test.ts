import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../src/objects/turn/checkpoints';
import { ownerOf } from './harness';

describe('checkpoints', () => {
  it('keep their parent, and an object whose table predates branches gains the column with its old rows intact', async () => {
    const { stub } = await ownerOf();
    const rows = await runInDurableObject(stub, (_i, state) => {
      const sql = state.storage.sql;
      // The table as an object created before branches has it, with a reply in flight.
      sql.exec('DROP TABLE IF EXISTS checkpoints');
      sql.exec(`CREATE TABLE checkpoints (
        message_id TEXT PRIMARY KEY, chat_id TEXT NOT NULL, seq INTEGER NOT NULL, content TEXT NOT NULL,
        tool_calls TEXT NOT NULL, model TEXT NOT NULL, started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
      )`);
      sql.exec("INSERT INTO checkpoints VALUES ('old', 'chat', 4, 'half a reply', '[]', 'mock-model', 1, 2)");
      const store = new CheckpointStore(sql);
      new CheckpointStore(sql); // a second wake finds the column there
      store.save({
        messageId: 'new',
        chatId: 'chat',
        seq: 9,
        parentSeq: 5,
        content: 'a branch',
        toolCalls: [],
        model: 'mock-model',
        startedAt: 3,
        updatedAt: 4,
      });
      return store.list().map((c) => [c.messageId, c.seq, c.parentSeq]);
    });
    // The old reply followed the message just before it, as every reply did then.
    expect(rows).toEqual([
      ['old', 4, 3],
      ['new', 9, 5],
    ]);
  });
});
