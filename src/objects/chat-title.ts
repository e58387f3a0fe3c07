/**
 * The chat title the model writes (SPEC §4.7): after a chat's first reply, one short request to
 * the same model replaces the provisional title (the first message, `titleFrom`). It runs after
 * the turn has ended — never before the reply's `done` — and a rename always wins: the write
 * only replaces the provisional title of a chat the user has not renamed. A failure is logged
 * and the chat keeps its provisional title.
 */
import type OpenAI from 'openai';
import { findOwnedChat, replaceProvisionalTitle } from '../db/chats';
import type { Db } from '../db/client';
import type { ChatMessage } from '../db/schema';
import { logError } from '../shared/safe-log';
import { titleFrom } from './model-messages';

/** What the model is asked; the mock model (mock-model/server.mjs) knows the request by it. */
export const TITLE_PROMPT =
  'Write a title of 3 to 6 words for the conversation below, in the language of the conversation. Answer with the title only: no quotes, no final punctuation.';

/** How much of the first message and of the reply the title request carries: enough to name the topic, cheap to send. */
const EXCERPT_CHARS = 1500;

export interface TitleDeps {
  db: Db;
  userId: string;
  client: OpenAI;
  model: string;
  maxTokens: number;
  /** The title changed: tell the chat's open tabs. */
  announce(chatId: string, title: string): void;
}

export type TitleOutcome = 'titled' | 'kept' | 'failed';

/** Only a chat's first exchange, answered in full, earns a model-written title. */
export function earnsTitle(question: ChatMessage, reply: ChatMessage): boolean {
  return question.seq === 1 && question.role === 'user' && reply.status === 'complete' && reply.content.trim() !== '';
}

/**
 * Asks for the title and writes it over the provisional one. 'kept': the chat was renamed, is
 * gone, or already has another title (a regenerated first reply asks nothing again).
 */
export async function titleChat(deps: TitleDeps, question: ChatMessage, reply: ChatMessage): Promise<TitleOutcome> {
  const chatId = question.chatId;
  const provisional = titleFrom(question.content);
  try {
    const chat = await findOwnedChat(deps.db, deps.userId, chatId);
    if (!chat || chat.titleLocked || chat.title !== provisional) return 'kept';
    const title = await askTitle(deps, question.content, reply.content);
    if (!title) throw new Error('the model wrote no title');
    const updated = await replaceProvisionalTitle(deps.db, chatId, provisional, title);
    if (!updated) return 'kept';
    deps.announce(chatId, updated.title);
    return 'titled';
  } catch (error) {
    logError('chat title failed; keeping the first message as the title', error, { chatId }); // scrubbed: SPEC §13
    return 'failed';
  }
}

async function askTitle(deps: TitleDeps, question: string, answer: string): Promise<string> {
  const completion = await deps.client.chat.completions.create(
    {
      model: deps.model,
      max_tokens: deps.maxTokens,
      messages: [
        { role: 'system', content: TITLE_PROMPT },
        { role: 'user', content: `User: ${question.slice(0, EXCERPT_CHARS)}\n\nAssistant: ${answer.slice(0, EXCERPT_CHARS)}` },
      ],
    },
    // A title is not worth the SDK's backoff: one try, and the provisional title stays.
    { maxRetries: 0 },
  );
  return cleanTitle(completion.choices[0]?.message.content ?? '');
}

/** The model's answer as a title: its first line, without quotes or a final full stop, at most 60 characters. */
export function cleanTitle(text: string): string {
  const line = text.split('\n').find((l) => l.trim()) ?? '';
  const bare = line
    .trim()
    .replace(/^(?:title:\s*)/i, '')
    .replace(/^["'“‘«]+|["'”’»]+$/g, '')
    .replace(/[.。]+$/, '')
    .trim();
  return bare ? titleFrom(bare) : '';
}
