/**
 * ChatGPT's `conversations.json` (Settings → Data controls → Export): an array of
 * conversations, each a tree of nodes (`mapping`, linked by `parent`) where every edit or
 * regeneration starts a branch. The conversation the user last saw is the branch that ends
 * at `current_node`, walked up to the root. Only what the user saw as text is imported:
 * system messages, hidden ones, tool traffic and non-text parts (images, code runs, browsing,
 * reasoning) are left out and counted, so the summary can say so.
 */
import { z } from 'zod';
import type { ImportConversation, ImportMessage } from '../../objects/chat-import';
import { badRequest } from '../../shared/errors';
import { chatGptSource } from '../../shared/import-source';
import { cleanTitle, describeProblem } from './import-fields';

const seconds = z.number().nullable().optional();

const messageSchema = z.object({
  author: z.object({ role: z.string() }),
  create_time: seconds,
  content: z.object({ content_type: z.string(), parts: z.array(z.unknown()).optional() }),
  recipient: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
});

const nodeSchema = z.object({
  message: messageSchema.nullable().optional(),
  parent: z.string().nullable().optional(),
});

const conversationSchema = z.object({
  id: z.string().min(1).optional(),
  conversation_id: z.string().min(1).optional(),
  title: z.string().nullable().optional(),
  create_time: seconds,
  update_time: seconds,
  mapping: z.record(z.string(), nodeSchema),
  current_node: z.string(),
});

type Conversation = z.infer<typeof conversationSchema>;
type Node = z.infer<typeof nodeSchema>;

export function parseChatGptExport(items: unknown[]): ImportConversation[] {
  return items.map((item, i) => {
    const where = `conversations[${i}]`;
    const parsed = conversationSchema.safeParse(item);
    if (!parsed.success) throw badRequest(`Not a ChatGPT conversation: ${describeProblem(where, parsed.error)}`);
    return conversationOf(parsed.data, `${where} (${JSON.stringify(cleanTitle(parsed.data.title, 'untitled'))})`);
  });
}

function conversationOf(c: Conversation, where: string): ImportConversation {
  const id = c.conversation_id ?? c.id;
  if (!id) throw badRequest(`${where}: has no id or conversation_id, so a second import could not know it`);
  const title = cleanTitle(c.title, 'Imported chat');
  const left = new Counts();
  const messages: ImportMessage[] = [];
  let lastAt = toMs(c.create_time) ?? Date.now();
  for (const node of branch(c, where)) {
    const m = node.message;
    if (!m) continue;
    const at = toMs(m.create_time) ?? lastAt;
    lastAt = at;
    const role = m.author.role;
    const notShown = leftOutKind(m);
    if (notShown) {
      // ChatGPT keeps an empty system message in most conversations: not worth a mention.
      if (!isEmpty(m)) left.add(notShown);
      continue;
    }
    const text = textOf(m, left);
    if (text && (role === 'user' || role === 'assistant')) {
      // One line: the branch the user saw, each message following the one before.
      const seq = messages.length + 1;
      messages.push({
        seq,
        parentSeq: seq > 1 ? seq - 1 : null,
        role,
        content: text,
        toolCalls: null,
        toolCallId: null,
        name: null,
        status: 'complete',
        createdAt: at,
      });
    }
  }
  const createdAt = toMs(c.create_time) ?? messages[0]?.createdAt ?? lastAt;
  const updatedAt = messages.reduce((latest, m) => Math.max(latest, m.createdAt), Math.max(toMs(c.update_time) ?? 0, createdAt));
  return { sourceKey: chatGptSource(id), title, createdAt, updatedAt, messages, headSeq: null, leftOut: left.describe() };
}

/** The nodes from the root down to current_node. */
function branch(c: Conversation, where: string): Node[] {
  const nodes: Node[] = [];
  const seen = new Set<string>();
  for (let id: string | null | undefined = c.current_node; id; id = c.mapping[id]?.parent) {
    // Own keys only: a node named "toString" must not find Object.prototype's.
    const node = Object.hasOwn(c.mapping, id) ? c.mapping[id] : undefined;
    if (!node) throw badRequest(`${where}: node ${JSON.stringify(id.slice(0, 80))} is named but not in mapping`);
    if (seen.has(id)) throw badRequest(`${where}: the parents of current_node go round in a loop`);
    seen.add(id);
    nodes.push(node);
  }
  return nodes.reverse();
}

type Message = NonNullable<Node['message']>;

/** Why a message is not shown as text in the chat (system, hidden, tool traffic), or null. */
function leftOutKind(m: Message): string | null {
  const role = m.author.role;
  if (role === 'system') return 'system message';
  if (m.metadata?.is_visually_hidden_from_conversation === true) return 'hidden message';
  if (role === 'tool' || (role === 'assistant' && m.recipient && m.recipient !== 'all')) return 'tool message';
  return role === 'user' || role === 'assistant' ? null : `${role} message`;
}

function isEmpty(m: Message): boolean {
  const { content_type: type, parts } = m.content;
  return (type === 'text' || type === 'multimodal_text') && (parts ?? []).every((p) => typeof p === 'string' && p.trim() === '');
}

/** The text parts of a message, joined; every other part is counted as left out. */
function textOf(m: Message, left: Counts): string {
  const { content_type: type, parts } = m.content;
  if (type !== 'text' && type !== 'multimodal_text') {
    left.add(`${type} part`);
    return '';
  }
  const texts: string[] = [];
  for (const part of parts ?? []) {
    if (typeof part === 'string') texts.push(part);
    else left.add(`${partType(part)} part`);
  }
  const text = texts.join('\n\n');
  return text.trim() === '' ? '' : text;
}

function partType(part: unknown): string {
  const type = typeof part === 'object' && part !== null && 'content_type' in part ? part.content_type : null;
  return typeof type === 'string' ? type : 'non-text';
}

/** ChatGPT times are seconds (with a fraction) since the epoch; ours are milliseconds. */
function toMs(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value * 1000) : null;
}

/** "2 system messages, 1 image_asset_pointer part": what was left out, or null for nothing. */
class Counts {
  readonly #counts = new Map<string, number>();

  add(what: string): void {
    this.#counts.set(what, (this.#counts.get(what) ?? 0) + 1);
  }

  describe(): string | null {
    if (this.#counts.size === 0) return null;
    return [...this.#counts].map(([what, n]) => `${n} ${what}${n === 1 ? '' : 's'}`).join(', ');
  }
}
