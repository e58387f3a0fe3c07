/**
 * Chat ids name their agent (`assistant_<uuid>`), so the Worker routes a turn to its executor
 * without asking D1 whose chat it is; the executor still checks that the chat is its owner's.
 * Chats created before this carry a bare uuid and are looked up instead.
 */
import { isAgentName } from './agents';
import type { AgentName } from './agents';

export const newChatId = (agent: AgentName) => `${agent}_${crypto.randomUUID()}`;

export function agentOfChatId(chatId: string): AgentName | null {
  const underscore = chatId.indexOf('_');
  const agent = underscore > 0 ? chatId.slice(0, underscore) : '';
  return isAgentName(agent) ? agent : null;
}
