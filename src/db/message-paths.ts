/**
 * The message tree (SPEC §16): a chat's messages each follow a parent, and the conversation is
 * the path from the chat's head up to a root. Pages walk that path up parent links with a
 * recursive CTE, one (chat_id, seq) index lookup a step, stopping once the page is full: a
 * 10,000-message chat costs what a 50-message one does. Every message read here carries its
 * place among its siblings (the messages with the same parent, in seq order).
 *
 * A chat without a recorded head shows its newest message, the end of the single line every
 * chat was before branches (migrations/0005_message_tree_backfill.sql).
 */
import { and, asc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { SiblingsDto } from '../shared/protocol';
import type { Db } from './client';
import { chatMessages, chats } from './schema';
import type { Chat, ChatMessage } from './schema';

/** A message with its place among its siblings. */
export type TreeMessage = ChatMessage & { siblings: SiblingsDto };

export interface PathPage {
  /** Ascending seq (root side first). */
  messages: TreeMessage[];
  /** More messages lie beyond the page on the path (older ones, or for `after` newer ones). */
  hasMore: boolean;
}

/** Where a chat's tree ends: its head (the newest message when none is recorded) and its highest seq. */
export interface ChatTip {
  headSeq: number | null;
  lastSeq: number;
}

export interface PathOptions {
  /** The message the path ends at; default the chat's head. */
  from?: number | undefined;
  /** Only messages before this seq: the path of that message, if it exists, else of `from`. */
  before?: number | undefined;
  /** Only messages after this seq, the `limit` oldest of them (a reconnecting client catching up). */
  after?: number | undefined;
  limit: number;
}

// Written out with the table's name: in a raw subquery drizzle renders a column without it,
// and a bare "seq" would resolve to the sibling's own.
const siblingIndex = sql<number>`(SELECT count(*) FROM chat_messages s WHERE s.chat_id = "chat_messages"."chat_id" AND s.parent_seq IS "chat_messages"."parent_seq" AND s.seq <= "chat_messages"."seq")`;
const siblingCount = sql<number>`(SELECT count(*) FROM chat_messages s WHERE s.chat_id = "chat_messages"."chat_id" AND s.parent_seq IS "chat_messages"."parent_seq")`;

/** The chat's head as stored, or its newest message when it has none recorded. */
const headOf = (chatId: string): SQL =>
  sql`COALESCE((SELECT c.head_seq FROM chats c WHERE c.id = ${chatId}), (SELECT max(h.seq) FROM chat_messages h WHERE h.chat_id = ${chatId}))`;

/**
 * The seqs of the path ending at `start`, walked towards the root. `m.seq < path.seq` makes
 * every step go to an older message, so even a malformed row cannot make the walk loop.
 * SQLite materialises a CTE read inside IN (…) whole before any LIMIT applies, so the walk
 * bounds itself: `kept` counts the messages so far that `keep` accepts, and the walk stops
 * once it has `take` of them (or, with `stopAtOrBelow`, at the first message at or below it).
 */
function walkUp(chatId: string, start: SQL, o: { keep?: (seq: SQL) => SQL; take?: number; stopAtOrBelow?: number | undefined }): SQL {
  const keep = o.keep ?? (() => sql`1`);
  const bounds = [
    ...(o.take === undefined ? [] : [sql`path.kept < ${o.take}`]),
    ...(o.stopAtOrBelow === undefined ? [] : [sql`path.seq > ${o.stopAtOrBelow}`]),
  ];
  const where = bounds.length ? sql` WHERE ${sql.join(bounds, sql` AND `)}` : sql``;
  return sql`WITH RECURSIVE path(seq, parent_seq, kept) AS (
    SELECT seq, parent_seq, (${keep(sql`seq`)}) FROM chat_messages WHERE chat_id = ${chatId} AND seq = (${start})
    UNION ALL
    SELECT m.seq, m.parent_seq, path.kept + (${keep(sql`m.seq`)}) FROM path JOIN chat_messages m ON m.chat_id = ${chatId} AND m.seq = path.parent_seq AND m.seq < path.seq${where}
  )`;
}

/** The statement for one page of a path (see PathOptions), `limit + 1` rows at most. */
export function pathQuery(db: Db, chatId: string, o: PathOptions) {
  const head = o.from === undefined ? headOf(chatId) : sql`${o.from}`;
  let seqs: SQL;
  if (o.after !== undefined) {
    // The walk stops at the first message at or below `after`; the page is its oldest end.
    seqs = sql`${walkUp(chatId, head, { stopAtOrBelow: o.after })} SELECT seq FROM path WHERE seq > ${o.after} ORDER BY seq LIMIT ${o.limit + 1}`;
  } else if (o.before !== undefined) {
    // `before` is normally the oldest message a client holds: the page is what led to it.
    const start = sql`CASE WHEN EXISTS (SELECT 1 FROM chat_messages b WHERE b.chat_id = ${chatId} AND b.seq = ${o.before})
      THEN (SELECT b.parent_seq FROM chat_messages b WHERE b.chat_id = ${chatId} AND b.seq = ${o.before}) ELSE (${head}) END`;
    const before = o.before;
    const keep = (seq: SQL) => sql`${seq} < ${before}`;
    seqs = sql`${walkUp(chatId, start, { keep, take: o.limit + 1 })} SELECT seq FROM path WHERE seq < ${before}`;
  } else {
    seqs = sql`${walkUp(chatId, head, { take: o.limit + 1 })} SELECT seq FROM path`;
  }
  return db
    .select({ ...getTableColumns(chatMessages), siblingIndex, siblingCount })
    .from(chatMessages)
    .where(and(eq(chatMessages.chatId, chatId), sql`"chat_messages"."seq" IN (${seqs})`))
    .orderBy(asc(chatMessages.seq));
}

type PathRow = ChatMessage & { siblingIndex: number; siblingCount: number };

/** Rows of pathQuery as a page: the `limit` nearest the path's end (or, for `after`, to it). */
export function toPathPage(rows: PathRow[], o: PathOptions): PathPage {
  const messages = rows.map(({ siblingIndex: index, siblingCount: count, ...m }) => ({ ...m, siblings: { index: Number(index), count: Number(count) } }));
  const hasMore = messages.length > o.limit;
  if (!hasMore) return { messages, hasMore };
  return { messages: o.after !== undefined ? messages.slice(0, o.limit) : messages.slice(-o.limit), hasMore };
}

export async function pagePath(db: Db, chatId: string, o: PathOptions): Promise<PathPage> {
  return toPathPage(await pathQuery(db, chatId, o), o);
}

function tipQuery(db: Db, chatId: string) {
  return db
    .select({ head: chats.headSeq, last: sql<number | null>`(SELECT max(t.seq) FROM chat_messages t WHERE t.chat_id = ${chatId})` })
    .from(chats)
    .where(eq(chats.id, chatId));
}

function toTip(rows: { head: number | null; last: number | null }[]): ChatTip {
  const last = rows[0]?.last ?? 0;
  return { headSeq: rows[0]?.head ?? (last || null), lastSeq: last };
}

/** A page of the path and where the chat's tree ends, in one round trip. */
export async function pagePathWithTip(db: Db, chatId: string, o: PathOptions): Promise<PathPage & ChatTip> {
  const [rows, tip] = await db.batch([pathQuery(db, chatId, o), tipQuery(db, chatId)]);
  return { ...toPathPage(rows, o), ...toTip(tip) };
}

/**
 * The page of `limit` messages centred on message `seq` (a search result opened at its
 * message), ascending: about half the path leading to it, the rest from it on — towards the
 * head when the message is on the head's path, else towards the newest leaf under it (the
 * branch the result belongs to). Near either end the other side fills the page. A seq that is
 * not in the chat centres on where it would be on the head's path. The part after the message
 * walks from the head (or leaf) down to it: O(its distance from there), not O(page).
 */
export async function pagePathAround(
  db: Db,
  chatId: string,
  seq: number,
  limit: number,
): Promise<{ messages: TreeMessage[]; hasMoreBefore: boolean; hasMoreAfter: boolean }> {
  const leading = { before: seq, limit };
  const onward = { after: seq - 1, limit };
  const [leadingRows, onwardRows] = await db.batch([pathQuery(db, chatId, leading), pathQuery(db, chatId, onward)]);
  const before = toPathPage(leadingRows, leading);
  let after = toPathPage(onwardRows, onward);
  if (after.messages[0]?.seq !== seq) {
    const leaf = await newestLeafUnder(db, chatId, seq);
    if (leaf !== null) after = await pagePath(db, chatId, { from: leaf, ...onward });
  }
  const wantBefore = Math.floor((limit - 1) / 2);
  const takeAfter = Math.min(after.messages.length, limit - Math.min(wantBefore, before.messages.length));
  const takeBefore = Math.min(before.messages.length, limit - takeAfter);
  return {
    messages: [...before.messages.slice(before.messages.length - takeBefore), ...after.messages.slice(0, takeAfter)],
    hasMoreBefore: before.hasMore || before.messages.length > takeBefore,
    hasMoreAfter: after.hasMore || after.messages.length > takeAfter,
  };
}

export async function chatTip(db: Db, chatId: string): Promise<ChatTip> {
  return toTip(await tipQuery(db, chatId));
}

/** The caller's chat (null if not theirs) with the newest `limit` messages of its head's path and its tip, in one round trip. */
export async function ownedChatWithPath(db: Db, userId: string, chatId: string, limit: number): Promise<{ chat: Chat | null } & PathPage & ChatTip> {
  const o = { limit };
  const [chatRows, rows] = await db.batch([
    db
      .select({ chat: chats, last: sql<number | null>`(SELECT max(t.seq) FROM chat_messages t WHERE t.chat_id = ${chatId})` })
      .from(chats)
      .where(and(eq(chats.id, chatId), eq(chats.userId, userId)))
      .limit(1),
    pathQuery(db, chatId, o),
  ]);
  const chat = chatRows[0]?.chat ?? null;
  return { chat, ...toPathPage(rows, o), ...toTip(chatRows.map((r) => ({ head: r.chat.headSeq, last: r.last }))) };
}

export async function messageAt(db: Db, chatId: string, seq: number): Promise<ChatMessage | null> {
  const [row] = await db
    .select()
    .from(chatMessages)
    .where(and(eq(chatMessages.chatId, chatId), eq(chatMessages.seq, seq)))
    .limit(1);
  return row ?? null;
}

/** The place among its siblings of each of the messages `seqs` (those that exist). */
export async function siblingsOf(db: Db, chatId: string, seqs: number[]): Promise<Map<number, SiblingsDto>> {
  if (seqs.length === 0) return new Map();
  const rows = await db
    .select({ seq: chatMessages.seq, siblingIndex, siblingCount })
    .from(chatMessages)
    .where(and(eq(chatMessages.chatId, chatId), inArray(chatMessages.seq, seqs)));
  return new Map(rows.map((r) => [r.seq, { index: Number(r.siblingIndex), count: Number(r.siblingCount) }]));
}

/** How many messages follow `parentSeq` (null: how many roots): a new child is the next sibling. */
export async function childCount(db: Db, chatId: string, parentSeq: number | null): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(chatMessages)
    .where(and(eq(chatMessages.chatId, chatId), sql`"chat_messages"."parent_seq" IS ${parentSeq}`));
  return Number(row?.n ?? 0);
}

/**
 * The newest leaf at or under `seq`: the highest seq of its subtree, which has no child (a
 * child's seq is always higher). Null when the chat has no message `seq`.
 */
export async function newestLeafUnder(db: Db, chatId: string, seq: number): Promise<number | null> {
  const [row] = await db.all<{ leaf: number | null }>(sql`WITH RECURSIVE sub(seq) AS (
    SELECT seq FROM chat_messages WHERE chat_id = ${chatId} AND seq = ${seq}
    UNION ALL
    SELECT m.seq FROM sub JOIN chat_messages m ON m.chat_id = ${chatId} AND m.parent_seq = sub.seq AND m.seq > sub.seq
  ) SELECT max(seq) AS leaf FROM sub`);
  return row?.leaf ?? null;
}

/** The user message a turn started with: `seq` itself if it is one, else its nearest user ancestor. */
export async function turnUserMessage(db: Db, chatId: string, seq: number): Promise<ChatMessage | null> {
  const [row] = await db
    .select()
    .from(chatMessages)
    .where(
      and(
        eq(chatMessages.chatId, chatId),
        sql`"chat_messages"."seq" = (WITH RECURSIVE up(seq, parent_seq, role) AS (
          SELECT seq, parent_seq, role FROM chat_messages WHERE chat_id = ${chatId} AND seq = ${seq}
          UNION ALL
          SELECT m.seq, m.parent_seq, m.role FROM up JOIN chat_messages m ON m.chat_id = ${chatId} AND m.seq = up.parent_seq AND m.seq < up.seq WHERE up.role != 'user'
        ) SELECT seq FROM up WHERE role = 'user' LIMIT 1)`,
      ),
    )
    .limit(1);
  return row ?? null;
}

/** How many messages the path ending at `from` (default the head) has. */
export async function pathLength(db: Db, chatId: string, from?: number): Promise<number> {
  const start = from === undefined ? headOf(chatId) : sql`${from}`;
  const [row] = await db.all<{ n: number }>(sql`${walkUp(chatId, start, {})} SELECT count(*) AS n FROM path`);
  return Number(row?.n ?? 0);
}

/** Records the chat's head. */
export function setHeadStatement(db: Db, chatId: string, seq: number) {
  return db.update(chats).set({ headSeq: seq }).where(eq(chats.id, chatId));
}

/** Every message of a chat (the whole tree), ascending seq, each with its place among its siblings. */
export function withSiblings(messages: readonly ChatMessage[]): TreeMessage[] {
  const byParent = new Map<number | null, number[]>();
  for (const m of messages) {
    const seqs = byParent.get(m.parentSeq) ?? [];
    seqs.push(m.seq);
    byParent.set(m.parentSeq, seqs);
  }
  for (const seqs of byParent.values()) seqs.sort((a, b) => a - b);
  return messages.map((m) => {
    const seqs = byParent.get(m.parentSeq)!;
    return { ...m, siblings: { index: seqs.indexOf(m.seq) + 1, count: seqs.length } };
  });
}

/** The path from the root to `headSeq` among `messages` (ascending); an unknown head gives the newest message's path. */
export function pathIn<T extends ChatMessage>(messages: readonly T[], headSeq: number | null): T[] {
  const bySeq = new Map(messages.map((m) => [m.seq, m]));
  const path: T[] = [];
  let at = bySeq.get(headSeq ?? -1) ?? messages.reduce<T | undefined>((newest, m) => (newest && newest.seq > m.seq ? newest : m), undefined);
  while (at) {
    path.push(at);
    const parent: number | null = at.parentSeq;
    at = parent !== null && parent < at.seq ? bySeq.get(parent) : undefined;
  }
  return path.reverse();
}
