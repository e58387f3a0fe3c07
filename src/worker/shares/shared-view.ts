/**
 * What a shared link shows (SPEC §15): the conversation as the user saw it, and nothing else
 * of theirs. A tool message becomes "Used <tool>"; a tool's arguments and results, an
 * assistant turn that only called tools, ids, timings and models stay out.
 */
import type { ChatMessage, ChatShare } from '../../db/schema';
import type { ShareDto, SharedChatDto } from '../../shared/api';

export function sharedChatView(share: ChatShare, agentName: string, messages: ChatMessage[]): SharedChatDto {
  const shown: SharedChatDto['messages'] = [];
  for (const m of messages) {
    if (m.role === 'tool') shown.push({ role: 'tool', content: `Used ${m.name ?? 'a tool'}`, createdAt: m.createdAt });
    else if (m.content.trim() !== '') shown.push({ role: m.role, content: m.content, createdAt: m.createdAt });
  }
  return { title: share.title, agentName, createdAt: share.createdAt, messages: shown };
}

/** The link a reader opens: the SPA's read-only page on the origin that served the API. */
export function shareDto(share: ChatShare, requestUrl: string): ShareDto {
  return { id: share.id, url: `${new URL(requestUrl).origin}/s/${share.id}`, createdAt: share.createdAt, uptoSeq: share.uptoSeq };
}
