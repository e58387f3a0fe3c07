/**
 * An import file (SPEC §15) read whole and checked before anything is written: this app's
 * JSON export (GET /chats/:id/export) or ChatGPT's `conversations.json`. Anything else, or
 * either of them malformed, is a 400 that says what is wrong and where.
 */
import type { ImportConversation } from '../../objects/chat-import';
import { badRequest } from '../../shared/errors';
import { parseChatGptExport } from './import-chatgpt';
import { parseClarityExport } from './import-clarity';

/** A ChatGPT export is an array of conversations; one conversation taken out of it is accepted too. */
export function parseImportFile(text: string): ImportConversation[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw badRequest(`The file is not valid JSON (${error instanceof Error ? error.message : 'parse error'})`);
  }
  const conversations = Array.isArray(data)
    ? parseChatGptExport(data)
    : isObject(data) && 'mapping' in data
      ? parseChatGptExport([data])
      : isObject(data) && 'chat' in data && 'messages' in data
        ? [parseClarityExport(data)]
        : null;
  if (!conversations) {
    throw badRequest(
      "The file is neither a chat exported from this app (an object with 'chat' and 'messages') nor a ChatGPT conversations.json (an array of conversations with 'mapping')",
    );
  }
  if (conversations.length === 0) throw badRequest('The file holds no conversations');
  return conversations;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
