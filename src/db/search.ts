/**
 * Full-text search of the caller's messages (SPEC §15) over the `message_search` FTS5 index
 * (migrations/shard/0001_message_search.sql), ranked by bm25.
 *
 * The user's words never reach MATCH as syntax: every word and "quoted phrase" becomes an
 * FTS5 string (double quotes doubled), so AND, OR, NEAR, `*`, `^`, `:`, parentheses and stray
 * quotes are just text, and no input can raise an FTS5 syntax error.
 */
import { sql } from 'drizzle-orm';
import type { Db } from './client';

/** Words (or phrases) beyond this many are refused: each one is a separate index lookup. */
export const MAX_SEARCH_TERMS = 10;
/** Tokens of context FTS5 puts around the matches in a snippet (its maximum is 64). */
const SNIPPET_TOKENS = 16;

// Marks FTS5 puts around each match in a snippet, turned into `ranges` and removed before the
// snippet leaves: control characters no chat text is expected to hold.
const MATCH_START = '\u0002';
const MATCH_END = '\u0003';

/** A character FTS5's unicode61 tokenizer keeps in a token: a term without one matches nothing. */
const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;

export interface SearchTerm {
  text: string;
  /** A "quoted phrase" matches its words in order; a bare word matches words starting with it. */
  phrase: boolean;
  /** A phrase whose closing quote is not typed yet: its last word is still being typed. */
  open?: boolean;
}

/** Splits what the user typed into bare words and "quoted phrases" (an unclosed quote runs to the end). */
export function searchTerms(input: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  let i = 0;
  while (i < input.length) {
    if (input[i] === '"') {
      const close = input.indexOf('"', i + 1);
      const text = input.slice(i + 1, close === -1 ? undefined : close).trim();
      if (TOKEN_CHAR.test(text)) terms.push({ text, phrase: true, ...(close === -1 ? { open: true } : {}) });
      i = close === -1 ? input.length : close + 1;
      continue;
    }
    const end = input.slice(i).search(/[\s"]/u);
    const word = end === -1 ? input.slice(i) : input.slice(i, i + end);
    if (TOKEN_CHAR.test(word)) terms.push({ text: word, phrase: false });
    i = end === -1 ? input.length : i + Math.max(end, 1);
  }
  return terms;
}

/**
 * The FTS5 query for the terms: each one an FTS5 string, all of them required. A bare word
 * (and the unfinished last word of an unclosed phrase) is a prefix, so results follow typing.
 */
export function ftsQuery(terms: SearchTerm[]): string {
  return terms.map((t) => `"${t.text.replaceAll('"', '""')}"${!t.phrase || t.open ? '*' : ''}`).join(' ');
}

export interface SearchOptions {
  userId: string;
  /** Only this agent's chats; all of the user's chats when absent. */
  agent?: string | undefined;
  terms: SearchTerm[];
  limit: number;
}

export interface SearchHit {
  chatId: string;
  chatTitle: string;
  agentName: string;
  messageId: string;
  seq: number;
  role: string;
  /** Plain text: the match marks are gone, `ranges` says where they were. */
  snippet: string;
  ranges: [number, number][];
  createdAt: number;
}

interface Row {
  chat_id: string;
  chat_title: string;
  agent_name: string;
  message_id: string;
  seq: number;
  role: string;
  snippet: string | null;
  created_at: number;
}

/**
 * The user's messages that hold every term, best bm25 first. The index covers every user's
 * messages; the join on chats.user_id is what keeps a result the caller's own.
 */
export async function searchMessages(db: Db, o: SearchOptions): Promise<SearchHit[]> {
  if (o.terms.length === 0) return [];
  const rows = await db.all<Row>(sql`
    SELECT m.chat_id, c.title AS chat_title, c.agent_name, m.id AS message_id, m.seq, m.role, m.created_at,
      snippet(message_search, 0, ${MATCH_START}, ${MATCH_END}, '…', ${SNIPPET_TOKENS}) AS snippet
    FROM message_search
    JOIN chat_messages m ON m.rowid = message_search.rowid
    JOIN chats c ON c.id = m.chat_id
    WHERE message_search MATCH ${ftsQuery(o.terms)}
      AND c.user_id = ${o.userId}
      ${o.agent === undefined ? sql`` : sql`AND c.agent_name = ${o.agent}`}
    ORDER BY bm25(message_search), m.created_at DESC
    LIMIT ${o.limit}
  `);
  return rows.map((r) => ({
    chatId: r.chat_id,
    chatTitle: r.chat_title,
    agentName: r.agent_name,
    messageId: r.message_id,
    seq: r.seq,
    role: r.role,
    ...markedRanges(r.snippet ?? ''),
    createdAt: r.created_at,
  }));
}

/**
 * Removes the match marks from a snippet and answers where they were, as UTF-16 offsets
 * (JavaScript string indices) into the text that remains. A mark left open closes at the end.
 */
export function markedRanges(marked: string): { snippet: string; ranges: [number, number][] } {
  let snippet = '';
  const ranges: [number, number][] = [];
  let start: number | null = null;
  for (const ch of marked) {
    if (ch === MATCH_START) {
      start ??= snippet.length;
    } else if (ch === MATCH_END) {
      if (start !== null && snippet.length > start) ranges.push([start, snippet.length]);
      start = null;
    } else {
      snippet += ch;
    }
  }
  if (start !== null && snippet.length > start) ranges.push([start, snippet.length]);
  return { snippet, ranges };
}
