/** A whole conversation as a download (GET /chats/:id/export). */
import type { Chat, ChatMessage } from '../../db/schema';
import { serializeChat, serializeMessage } from '../../db/serialize';

export function exportJson(chat: Chat, messages: ChatMessage[]): string {
  return JSON.stringify({ chat: serializeChat(chat), messages: messages.map(serializeMessage), exportedAt: Date.now() }, null, 2);
}

const ROLE_HEADINGS = { user: 'You', assistant: 'Assistant', tool: 'Tool' } as const;

export function exportMarkdown(chat: Chat, messages: ChatMessage[]): string {
  const lines = [`# ${chat.title}`, '', `_${chat.agentName} · started ${new Date(chat.createdAt).toISOString()}_`, ''];
  for (const m of messages) {
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
