/**
 * Importing chats into the executor's agent (SPEC §15). The Worker has parsed and checked the
 * whole file before anything reaches here, so a bad file writes nothing; this module writes
 * the conversations in D1 batches, each all-or-nothing, and records where each came from so
 * the same file imported again adds nothing.
 */
import type { Db } from '../db/client';
import { existingChatIds, importedSources, messageRowJson, writeImportBatch } from '../db/imports';
import type { ImportChatRow } from '../db/imports';
import { messageRow } from '../db/messages';
import type { ChatMessage } from '../db/schema';
import { countChats } from '../db/user-caps';
import type { ImportResultDto } from '../shared/api';
import { chatCapReached } from '../shared/caps';
import { newChatId } from '../shared/chat-id';
import { claritySource, exportedChatId } from '../shared/import-source';
import type { Owner } from '../shared/owner';
import type { MessageRole, MessageStatus, ToolCallDto } from '../shared/protocol';

/** One message of a conversation to import. */
export interface ImportMessage {
  /** Unique in its conversation, ascending in the order written; kept as the message's seq. */
  seq: number;
  /** The message it follows (SPEC §16), an earlier seq of the conversation; null for a root. */
  parentSeq: number | null;
  role: MessageRole;
  content: string;
  toolCalls: ToolCallDto[] | null;
  toolCallId: string | null;
  name: string | null;
  status: MessageStatus;
  createdAt: number;
}

/** A conversation as the Worker parsed it from either file format. */
export interface ImportConversation {
  /** Where it came from, e.g. `chatgpt:<conversation id>`, `clarity:<chat id>`. */
  sourceKey: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  /** Ascending seq. */
  messages: ImportMessage[];
  /** The message the chat shows (the end of its branch); null: the newest. */
  headSeq: number | null;
  /** What the file held that the Worker left out (system, hidden, non-text parts), if anything. */
  leftOut: string | null;
}

// D1 allows 2,000,000 bytes in one string, parameter or row; a JSON array of rows is one
// parameter, so chunks stay well under it and one message may not exceed a row.
const MAX_CHUNK_BYTES = 512 * 1024;
const MAX_MESSAGE_BYTES = 1_000_000;
/** Chats per batch: their JSON is one parameter, and each batch is one D1 round trip. */
const MAX_CHATS_PER_BATCH = 100;
/** Message bytes per batch: big enough that a large import takes few round trips. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Keys per source lookup: one JSON parameter. */
const LOOKUP_CHUNK = 2000;

export interface ChatImportDeps {
  db: Db;
  owner: Owner;
  /** MAX_CHATS_PER_USER (SPEC §13): an import never takes the user past it. */
  maxChats: number;
}

interface Row {
  json: string;
  bytes: number;
  seq: number;
}

interface Planned {
  chat: ImportChatRow;
  /** What of the conversation is not imported, said once the chat is in. */
  leftOut: string;
  rows: Row[];
  bytes: number;
}

export async function importChats(deps: ChatImportDeps, conversations: ImportConversation[], now = Date.now()): Promise<ImportResultDto> {
  const result: ImportResultDto = { imported: [], skipped: [] };
  const skip = (title: string, reason: string) => result.skipped.push({ title, reason });

  const fresh = await notYetImported(deps, conversations, skip);
  const planned: Planned[] = [];
  for (const conversation of fresh) {
    const plan = planChat(deps.owner, conversation, skip);
    if (plan) planned.push(plan);
  }

  const room = Math.max(0, deps.maxChats - (await countChats(deps.db, deps.owner.userId)));
  for (const p of planned.slice(room)) skip(p.chat.title, chatCapReached(deps.maxChats).message);
  const fitting = planned.slice(0, room);

  for (const group of batches(fitting)) {
    await writeImportBatch(deps.db, {
      userId: deps.owner.userId,
      agentName: deps.owner.agentName,
      maxChats: deps.maxChats,
      chats: group.map((p) => p.chat),
      messageChunks: chunks(group.flatMap((p) => p.rows)),
      now,
    });
    const landed = await importedSources(
      deps.db,
      deps.owner.userId,
      group.map((p) => p.chat.sourceKey),
    );
    for (const p of group) {
      const chatId = landed.get(p.chat.sourceKey);
      if (chatId === p.chat.id) {
        result.imported.push({ chatId, title: p.chat.title, messages: p.rows.length });
        if (p.leftOut) skip(p.chat.title, `Imported without ${p.leftOut}`);
      } else if (chatId) skip(p.chat.title, 'Already imported');
      else skip(p.chat.title, chatCapReached(deps.maxChats).message);
    }
  }
  return result;
}

/**
 * Drops conversations met before: twice in this file, imported already, or an export of a
 * chat this account still has (importing it would make a copy of it).
 */
async function notYetImported(
  deps: ChatImportDeps,
  conversations: ImportConversation[],
  skip: (title: string, reason: string) => void,
): Promise<ImportConversation[]> {
  const seen = new Set<string>();
  const unique = conversations.filter((c) => {
    if (seen.has(c.sourceKey)) {
      skip(c.title, 'Appears more than once in the file');
      return false;
    }
    seen.add(c.sourceKey);
    return true;
  });
  const known = new Map<string, string>();
  const keys = unique.map((c) => c.sourceKey);
  for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
    for (const key of (await importedSources(deps.db, deps.owner.userId, keys.slice(i, i + LOOKUP_CHUNK))).keys()) known.set(key, 'Already imported');
  }
  const exported = keys.map(exportedChatId).filter((id) => id !== null);
  for (let i = 0; i < exported.length; i += LOOKUP_CHUNK) {
    for (const id of await existingChatIds(deps.db, deps.owner.userId, exported.slice(i, i + LOOKUP_CHUNK)))
      known.set(claritySource(id), 'Already in your chats');
  }
  return unique.filter((c) => {
    const reason = known.get(c.sourceKey);
    if (reason) skip(c.title, reason);
    return !reason;
  });
}

/** The chat row and message rows of a conversation, or null (with the reason) when nothing of it can be imported. */
function planChat(owner: Owner, conversation: ImportConversation, skip: (title: string, reason: string) => void): Planned | null {
  const chatId = newChatId(owner.agentName);
  const rows: Row[] = [];
  let bytes = 0;
  // A message left out hands its children to its own parent, so every branch still reaches a root.
  const leftOutParent = new Map<number, number | null>();
  const kept = (seq: number | null): number | null => {
    let at = seq;
    while (at !== null && leftOutParent.has(at)) at = leftOutParent.get(at)!;
    return at;
  };
  for (const m of conversation.messages) {
    const json = messageRowJson(toRow(chatId, m, kept(m.parentSeq)));
    const size = utf8Bytes(json);
    if (size > MAX_MESSAGE_BYTES) {
      leftOutParent.set(m.seq, kept(m.parentSeq));
      continue;
    }
    rows.push({ json, bytes: size, seq: m.seq });
    bytes += size;
  }
  const oversized = leftOutParent.size;
  const leftOut = [conversation.leftOut, oversized ? `${oversized} message${oversized === 1 ? '' : 's'} over 1 MB` : null].filter(Boolean).join('; ');
  if (rows.length === 0) {
    skip(conversation.title, leftOut ? `No messages to import (left out: ${leftOut})` : 'No messages to import');
    return null;
  }
  const chat = {
    id: chatId,
    sourceKey: conversation.sourceKey,
    title: conversation.title,
    createdAt: conversation.createdAt,
    updatedAt: conversation.updatedAt,
    headSeq: kept(conversation.headSeq) ?? rows.at(-1)!.seq,
  };
  return { chat, leftOut, rows, bytes };
}

function toRow(chatId: string, m: ImportMessage, parentSeq: number | null): ChatMessage {
  return messageRow({
    chatId,
    seq: m.seq,
    parentSeq,
    role: m.role,
    content: m.content,
    toolCalls: m.toolCalls,
    toolCallId: m.toolCallId,
    name: m.name,
    status: m.status,
    createdAt: m.createdAt,
  });
}

/** Groups chats into batches by count and bytes; a chat larger than a batch gets one of its own. */
function batches(planned: Planned[]): Planned[][] {
  const groups: Planned[][] = [];
  let group: Planned[] = [];
  let bytes = 0;
  for (const p of planned) {
    if (group.length > 0 && (group.length >= MAX_CHATS_PER_BATCH || bytes + p.bytes > MAX_BATCH_BYTES)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(p);
    bytes += p.bytes;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Splits message rows into statements of at most MAX_CHUNK_BYTES (a larger single row gets its own). */
function chunks(rows: Row[]): string[][] {
  const out: string[][] = [];
  let chunk: string[] = [];
  let bytes = 0;
  for (const row of rows) {
    // +1: the comma between rows.
    if (chunk.length > 0 && bytes + row.bytes + 1 > MAX_CHUNK_BYTES) {
      out.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(row.json);
    bytes += row.bytes + 1;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

const encoder = new TextEncoder();
const utf8Bytes = (s: string) => encoder.encode(s).length;
