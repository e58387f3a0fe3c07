/**
 * A chat exported from this app (GET /chats/:id/export?format=json, src/worker/chats/export.ts):
 * `{chat, headSeq, messages, exportedAt}`, every branch of the chat (SPEC §16). Everything a
 * turn stored comes back but the ids, which are new: seqs, the tree (`parentSeq`), the head,
 * tool calls paired with their results, so the chat reads to the model as it did. An export
 * made before branches has no parents: its messages follow one another.
 */
import { z } from 'zod';
import type { ImportConversation, ImportMessage } from '../../objects/chat-import';
import { badRequest } from '../../shared/errors';
import { claritySource } from '../../shared/import-source';
import { MESSAGE_ROLES, MESSAGE_STATUSES } from '../../shared/protocol';
import { cleanTitle, describeProblem } from './import-fields';

const epochMs = z.number().int().min(0).max(8_640_000_000_000_000);
const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const exportSchema = z.object({
  chat: z.object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id'),
    title: z.string(),
    createdAt: epochMs,
    updatedAt: epochMs,
  }),
  headSeq: seq.nullable().optional(),
  messages: z.array(
    z.object({
      seq,
      parentSeq: seq.nullable().optional(),
      role: z.enum(MESSAGE_ROLES),
      content: z.string(),
      toolCalls: z
        .array(z.object({ id: z.string(), name: z.string(), arguments: z.string() }))
        .nullable()
        .optional(),
      toolCallId: z.string().nullable().optional(),
      name: z.string().nullable().optional(),
      status: z.enum(MESSAGE_STATUSES).default('complete'),
      createdAt: epochMs,
    }),
  ),
});

type Exported = z.infer<typeof exportSchema>;

export function parseClarityExport(data: unknown): ImportConversation {
  const parsed = exportSchema.safeParse(data);
  if (!parsed.success) throw badRequest(`Not a chat exported from this app: ${describeProblem('', parsed.error)}`);
  const { chat, headSeq } = parsed.data;
  const messages = tree(parsed.data.messages);
  if (headSeq != null && !messages.some((m) => m.seq === headSeq)) throw badRequest(`headSeq: ${headSeq} is not the seq of a message in the file`);
  return {
    sourceKey: claritySource(chat.id),
    title: cleanTitle(chat.title, 'Imported chat'),
    createdAt: chat.createdAt,
    updatedAt: chat.updatedAt,
    messages,
    headSeq: headSeq ?? null,
    leftOut: null,
  };
}

/** The messages in seq order, each with a parent that is an earlier message of the file. */
function tree(exported: Exported['messages']): ImportMessage[] {
  const ordered = [...exported].sort((a, b) => a.seq - b.seq);
  const seqs = new Set<number>();
  const hasParents = ordered.some((m) => m.parentSeq !== undefined);
  return ordered.map((m, i) => {
    if (seqs.has(m.seq)) throw badRequest(`messages: seq ${m.seq} appears twice`);
    const parentSeq = hasParents ? (m.parentSeq ?? null) : (ordered[i - 1]?.seq ?? null);
    if (parentSeq !== null && !seqs.has(parentSeq))
      throw badRequest(`messages: the parentSeq of message ${m.seq} (${parentSeq}) is not an earlier message of the file`);
    seqs.add(m.seq);
    return {
      seq: m.seq,
      parentSeq,
      role: m.role,
      content: m.content,
      toolCalls: m.toolCalls ?? null,
      toolCallId: m.toolCallId ?? null,
      name: m.name ?? null,
      status: m.status,
      createdAt: m.createdAt,
    };
  });
}
