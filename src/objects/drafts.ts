/**
 * Drafts that follow the user (SPEC §14): the composer's unsent text per chat, kept in the
 * executor's own storage — typing never writes D1 — and so shared by every tab and device
 * of the user, kept across refreshes and logins, and cleared when the message is sent.
 */
export interface Draft {
  text: string;
  updatedAt: number;
}

export class Drafts {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec('CREATE TABLE IF NOT EXISTS drafts (chat_id TEXT PRIMARY KEY, text TEXT NOT NULL, updated_at INTEGER NOT NULL)');
  }

  get(chatId: string): Draft | null {
    const row = this.#sql.exec<{ text: string; updated_at: number }>('SELECT text, updated_at FROM drafts WHERE chat_id = ?', chatId).toArray()[0];
    return row ? { text: row.text, updatedAt: row.updated_at } : null;
  }

  /** Saves the text; an empty one clears the draft. Answers what the chat's other tabs are told. */
  save(chatId: string, text: string, now = Date.now()): Draft {
    if (text === '') this.clear(chatId);
    else this.#sql.exec('INSERT OR REPLACE INTO drafts VALUES (?, ?, ?)', chatId, text, now);
    return { text, updatedAt: now };
  }

  /** Whether there was a draft to clear. */
  clear(chatId: string): boolean {
    return this.#sql.exec('DELETE FROM drafts WHERE chat_id = ?', chatId).rowsWritten > 0;
  }
}
