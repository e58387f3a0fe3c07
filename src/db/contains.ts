import { sql } from 'drizzle-orm';
import type { SQL, SQLWrapper } from 'drizzle-orm';

/**
 * Case-insensitive "column contains text" for user-typed text: %, _ and \ match themselves.
 * (Drizzle's like() has no ESCAPE clause, so the escaping needs its own SQL.)
 */
export function containsText(column: SQLWrapper, text: string): SQL {
  const escaped = text.replace(/[%_\\]/g, (ch) => `\\${ch}`);
  return sql`${column} LIKE ${`%${escaped}%`} ESCAPE '\\'`;
}
