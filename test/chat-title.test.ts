/**
 * The chat title the model writes after the first reply (SPEC §4.7): asked off the turn's path,
 * never before `done`; written only over the provisional title, so a rename always wins; a
 * failed request leaves the first message as the title.
 */
import { shardOf, shardOfChat } from './shard-helpers';
import { env } from 'cloudflare:workers';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createDb } from '../src/db/client';
import type { ChatMessage } from '../src/db/schema';
import { cleanTitle, TITLE_PROMPT, titleChat } from '../src/objects/chat-title';
import { titleFrom } from '../src/objects/model-messages';
import type { TitleDeps } from '../src/objects/chat-title';
import { expectStatus, signUp } from './helpers';
import type { Caller } from './helpers';
import { eventually, marker, newChat, storedMessages, streamTurn } from './turn-helpers';

const MOCK_BASE = env.OPENAI_BASE_URL.replace(/\/v1\/?$/, '');

interface TitleRequest {
  max_tokens?: number;
  stream?: boolean;
  messages: { role: string; content: string }[];
}

async function titleLog(tag: string): Promise<{ requests: TitleRequest[]; receivedAt: number[]; statuses: (number | null)[] }> {
  return (await fetch(`${MOCK_BASE}/__titles?contains=${encodeURIComponent(tag)}`)).json();
}

async function chatRow(chatId: string) {
  return (await (await shardOfChat(chatId)).prepare('SELECT title, title_locked AS locked FROM chats WHERE id = ?').bind(chatId).first<{ title: string; locked: number }>())!;
}

const rename = (caller: Caller, chatId: string, title: string) => expectStatus(200, 'PATCH', `/chats/${chatId}`, { caller, body: { title } });

describe('the model-written chat title', () => {
  it('replaces the first message as the title after the first reply, asked once with a short request after `done`', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const tag = marker();
    const first = `plan a quiet weekend in Porto with friends ${tag} [[titlewait:1500]]`;
    const started = Date.now();
    const events = await streamTurn(caller, chatId, first);
    const doneAt = Date.now();
    expect(events.at(-1)?.event).toBe('done');
    // `done` did not wait for the title: the title request is still being answered.
    expect(doneAt - started).toBeLessThan(1500);
    expect((await titleLog(tag)).statuses.every((s) => s === null)).toBe(true);
    expect((await chatRow(chatId)).title).toBe(titleFrom(first));

    await eventually(async () => (await chatRow(chatId)).title === 'Plan a quiet weekend in Porto', 5000);
    const log = await titleLog(tag);
    expect(log.statuses).toEqual([200]);
    const request = log.requests[0]!;
    expect(request.max_tokens).toBe(Number(env.TITLE_MAX_TOKENS));
    expect(request.messages[0]).toEqual({ role: 'system', content: TITLE_PROMPT });
    expect(request.messages[1]!.content).toContain(first);
    expect(request.stream).toBeFalsy();
    expect(log.receivedAt[0]).toBeGreaterThanOrEqual(started);
    expect((await chatRow(chatId)).locked).toBe(0);

    // A later reply asks nothing: only the first exchange earns a title.
    await streamTurn(caller, chatId, `and the weather there? ${tag}`);
    await new Promise((r) => setTimeout(r, 300));
    expect((await titleLog(tag)).requests).toHaveLength(1);
  });

  it('keeps a rename made while the title request was in flight', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const tag = marker();
    await streamTurn(caller, chatId, `ideas for a birthday dinner at home ${tag} [[titlewait:1000]]`);
    await eventually(async () => (await titleLog(tag)).requests.length === 1);
    await rename(caller, chatId, 'Mum turns 70');
    await eventually(async () => (await titleLog(tag)).statuses[0] === 200, 5000);
    // The answer is in; give the executor time to (not) write it.
    await new Promise((r) => setTimeout(r, 300));
    expect(await chatRow(chatId)).toEqual({ title: 'Mum turns 70', locked: 1 });
  });

  it('leaves the first message as the title when the title request fails, and the chat goes on', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const tag = marker();
    const first = `what to read next ${tag} [[fault:title]]`;
    await streamTurn(caller, chatId, first);
    await eventually(async () => (await titleLog(tag)).statuses[0] === 500);
    await new Promise((r) => setTimeout(r, 300));
    expect(await chatRow(chatId)).toEqual({ title: first, locked: 0 });
    const next = await streamTurn(caller, chatId, `something lighter ${tag}`);
    expect(next.map((e) => e.event)).toContain('assistant_message');
  });
});

describe('titleChat', () => {
  /** A chat with its first exchange stored, and what titleChat needs, with a model client of its own. */
  async function answeredChat(tag: string, fetchFirst?: () => Promise<void>) {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await streamTurn(caller, chatId, `plan a quiet weekend in Porto ${tag} [[fault:title]]`);
    // The executor's own attempt failed on purpose; this test makes the next one.
    await eventually(async () => (await titleLog(tag)).statuses[0] === 500);
    // D1's rows as the executor holds them: only the fields titleChat reads are renamed.
    const [question, reply] = (await storedMessages(chatId)).map((m: ChatMessage & { chat_id: string }): ChatMessage => ({ ...m, chatId: m.chat_id }));
    const announced: string[] = [];
    const deps: TitleDeps = {
      db: createDb(await shardOf(caller.userId)),
      userId: caller.userId,
      client: new OpenAI({
        apiKey: 'test',
        baseURL: env.OPENAI_BASE_URL,
        fetch: async (input, init) => {
          await fetchFirst?.();
          return fetch(input, init);
        },
      }),
      model: 'mock-model',
      maxTokens: 24,
      announce: (_chatId, title) => announced.push(title),
    };
    return { caller, chatId, question: { ...question!, content: question!.content.replace(' [[fault:title]]', '') }, reply: reply!, deps, announced };
  }

  it('writes the title over the provisional one and announces it', async () => {
    const tag = marker();
    const { chatId, question, reply, deps, announced } = await answeredChat(tag);
    // The provisional title is the first message as it was stored.
    await (await shardOfChat(chatId)).prepare('UPDATE chats SET title = ? WHERE id = ?').bind(question.content, chatId).run();
    expect(await titleChat(deps, question, reply)).toBe('titled');
    expect((await chatRow(chatId)).title).toBe('Plan a quiet weekend in Porto');
    expect(announced).toEqual(['Plan a quiet weekend in Porto']);
    // Asked again (a regenerated first reply): the chat has its title, nothing is asked or written.
    expect(await titleChat(deps, question, reply)).toBe('kept');
  });

  it('does not write over a rename that landed while the model was answering', async () => {
    const tag = marker();
    let renamed: Promise<unknown> | null = null;
    const setup = await answeredChat(tag, async () => {
      // The rename lands after the title was decided on and the request has left.
      renamed ??= rename(setup.caller, setup.chatId, 'Porto with the gang');
      await renamed;
    });
    const { chatId, question, reply, deps, announced } = setup;
    await (await shardOfChat(chatId)).prepare('UPDATE chats SET title = ? WHERE id = ?').bind(question.content, chatId).run();
    expect(await titleChat(deps, question, reply)).toBe('kept');
    expect(renamed).not.toBeNull();
    expect(await chatRow(chatId)).toEqual({ title: 'Porto with the gang', locked: 1 });
    expect(announced).toEqual([]);
  });

  it('logs and swallows a failed request', async () => {
    const tag = marker();
    const { chatId, question, reply, deps } = await answeredChat(tag);
    await (await shardOfChat(chatId)).prepare('UPDATE chats SET title = ? WHERE id = ?').bind(question.content, chatId).run();
    const failing = { ...deps, client: new OpenAI({ apiKey: 'test', baseURL: env.OPENAI_BASE_URL, fetch: () => Promise.reject(new Error('offline')) }) };
    expect(await titleChat(failing, question, reply)).toBe('failed');
    expect((await chatRow(chatId)).title).toBe(question.content);
  });
});

describe('cleanTitle', () => {
  it('keeps the first line, without quotes, a "Title:" label or a final full stop, within 60 characters', () => {
    expect(cleanTitle('"Weekend in Porto."\nMore text')).toBe('Weekend in Porto');
    expect(cleanTitle('Title: Birthday dinner ideas')).toBe('Birthday dinner ideas');
    expect(cleanTitle('  \n')).toBe('');
    expect(cleanTitle('x'.repeat(80))).toHaveLength(60);
  });
});
