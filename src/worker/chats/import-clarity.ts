/**
 * A chat exported from this app (GET /chats/:id/export?format=json, src/worker/chats/export.ts):
 * `{chat, messages, exportedAt}`. Everything a turn stored comes back but the ids, which are
 * new; tool calls and results stay paired, so the chat reads to the model as it did.
 */
import { z } from 'zod';
import type { ImportConversation } from '../../objects/chat-import';
import { badRequest } from '../../shared/errors';
import { claritySource } from '../../shared/import-source';
import { MESSAGE_ROLES, MESSAGE_STATUSES } from '../../shared/protocol';
import { cleanTitle, describeProblem } from './import-fields';

const epochMs = z.number().int().min(0).max(8_640_000_000_000_000);

const exportSchema = z.object({
  chat: z.object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id'),
    title: z.string(),
    createdAt: epochMs,
    updatedAt: epochMs,
  }),
  messages: z.array(
    z.object({
      seq: z.number().int(),
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

export function parseClarityExport(data: unknown): ImportConversation {
  const parsed = exportSchema.safeParse(data);
  if (!parsed.success) throw badRequest(`Not a chat exported from this app: ${describeProblem('', parsed.error)}`);
  const { chat, messages } = parsed.data;
  return {
    sourceKey: claritySource(chat.id),
    title: cleanTitle(chat.title, 'Imported chat'),
    createdAt: chat.createdAt,
    updatedAt: chat.updatedAt,
    messages: [...messages]
      .sort((a, b) => a.seq - b.seq)
      .map((m) => ({
        role: m.role,
        content: m.content,
        toolCalls: m.toolCalls ?? null,
        toolCallId: m.toolCallId ?? null,
        name: m.name ?? null,
        status: m.status,
        createdAt: m.createdAt,
      })),
    leftOut: null,
  };
}
