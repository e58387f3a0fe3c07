/** A whole conversation as a download (GET /chats/:id/export). */
import { pathIn, withSiblings } from '../../db/message-paths';
import type { Chat, ChatMessage } from '../../db/schema';
import { serializeChat, serializeMessage } from '../../db/serialize';

/**
 * Every message of the chat, every branch (SPEC §16): each carries its parent and its place
 * among its siblings, and `headSeq` names the branch the chat shows, so the tree can be rebuilt.
 */
export function exportJson(chat: Chat, messages: ChatMessage[]): string {
  return JSON.stringify(
    {
      chat: serializeChat(chat),
      headSeq: pathIn(messages, chat.headSeq).at(-1)?.seq ?? null,
      messages: withSiblings(messages).map(serializeMessage),
      exportedAt: Date.now(),
    },
    null,
    2,
  );
}

const ROLE_HEADINGS = { user: 'You', assistant: 'Assistant', tool: 'Tool' } as const;

/** The conversation the chat shows: the path from its first message to its head. */
export function exportMarkdown(chat: Chat, messages: ChatMessage[]): string {
  const lines = [`# ${chat.title}`, '', `_${chat.agentName} · started ${new Date(chat.createdAt).toISOString()}_`, ''];
  for (const m of pathIn(messages, chat.headSeq)) {
    const when = new Date(m.createdAt).toISOString();
    if (m.role === 'tool') {
      lines.push(`> **${m.name ?? 'tool'}** → \`${m.content.replace(/`/g, "'")}\``, '');
      continue;
    }
    const calls = (m.toolCalls as { name: string; arguments: string }[] | null) ?? [];
    const status = m.status === 'complete' ? '' : ` (${m.status})`;
    lines.push(`## ${ROLE_HEADINGS[m.role]} · ${when}${status}`, '');
    if (m.content) lines.push(m.content, '');
    for (const call of calls) lines.push(`- called \`${call.name}(${call.arguments})\``);
    if (calls.length) lines.push('');
  }
  return lines.join('\n');
}

/** A file name safe in a Content-Disposition header. */
export function exportFileName(chat: Chat, extension: string): string {
  const slug =
    chat.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'chat';
  // The id's random tail: ids may start with their agent's name.
  return `${slug}-${chat.id.slice(-8)}.${extension}`;
}
