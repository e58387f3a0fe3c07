/** SPEC §14: what the agent sees, where each memory came from, and drafts that follow the user. */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, d1Writes, expectError, expectStatus, installWriteCounter, openSession, ORIGIN, signUp } from './helpers';
import type { Caller } from './helpers';
import { eventually, marker, modelRequests, newChat, streamTurn } from './turn-helpers';

const DATE_LINE = /Current date and time \(UTC\): \S+/;
const withoutDate = (text: string) => text.replace(DATE_LINE, 'Current date and time (UTC): <now>');

async function context(caller: Caller, chatId: string) {
  return expectStatus<any>(200, 'GET', `/chats/${chatId}/context`, { caller });
}

describe('what the agent sees', () => {
  it('previews exactly the system message and window the model then receives with the new message', async () => {
    const caller = await signUp();
    await expectStatus(200, 'PUT', '/agents/assistant/instructions', { caller, body: { instructions: 'Answer like a pirate.' } });
    await expectStatus(201, 'POST', '/agents/assistant/memories', { caller, body: { content: 'Likes green tea' } });
    const chatId = await newChat(caller);
    for (let i = 1; i <= 6; i++) await streamTurn(caller, chatId, `turn ${i} [[tokens:3]]`);

    const preview = await context(caller, chatId);
    expect(preview.instructions).toBe('Answer like a pirate.');
    expect(preview.memories.map((m: { content: string }) => m.content)).toEqual(['Likes green tea']);
    expect(preview.system).toContain('Answer like a pirate.');
    expect(preview.system).toContain('Likes green tea');
    // 12 messages; HISTORY_WINDOW (8) of them are sent, 4 left out.
    expect(preview.window).toHaveLength(Number(env.HISTORY_WINDOW));
    expect(preview.omitted).toBe(12 - Number(env.HISTORY_WINDOW));
    expect(preview.tokens.total).toBe(preview.tokens.system + preview.tokens.window);
    expect(preview.tokens.budget).toBe(Number(env.HISTORY_TOKEN_BUDGET));

    const tag = marker();
    await streamTurn(caller, chatId, `and now ${tag}`);
    const [request] = await modelRequests(tag);
    expect(withoutDate(request.messages[0].content)).toBe(withoutDate(preview.system));
    expect(request.messages.slice(1, -1).map((m: { role: string; content: string }) => [m.role, m.content])).toEqual(
      preview.window.map((m: { role: string; content: string }) => [m.role, m.content]),
    );
    expect(request.messages.at(-1).content).toBe(`and now ${tag}`);
  });

  it('answers 404 for another user’s chat', async () => {
    const owner = await signUp();
    const chatId = await newChat(owner);
    await expectError(await call('GET', `/chats/${chatId}/context`, { caller: await signUp() }), 404, 'not_found');
  });
});

describe('memory provenance', () => {
  it('records the chat and message of the turn that wrote a memory, and keeps or deletes it with the chat', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await streamTurn(caller, chatId, 'hello [[tokens:2]]');
    const events = await streamTurn(caller, chatId, 'remember that I prefer mornings');
    const userSeq = events.find((e) => e.event === 'user_message')!.data.message.seq;
    await expectStatus(201, 'POST', '/agents/assistant/memories', { caller, body: { content: 'Added by hand' } });

    const { memories } = await expectStatus<any>(200, 'GET', '/agents/assistant/memories', { caller });
    const learned = memories.find((m: { content: string }) => m.content === 'I prefer mornings');
    // The chat's title: its first message, or the title the model wrote after the first reply (SPEC §4.7).
    expect(learned.source).toEqual({ chatId, chatTitle: expect.stringMatching(/^(hello \[\[tokens:2\]\]|Hello)$/), seq: userSeq });
    expect(memories.find((m: { content: string }) => m.content === 'Added by hand').source).toBeNull();
    const ofChat = await expectStatus<any>(200, 'GET', `/chats/${chatId}/memories`, { caller });
    expect(ofChat.memories.map((m: { id: string }) => m.id)).toEqual([learned.id]);
    await expectError(await call('GET', `/chats/${chatId}/memories`, { caller: await signUp() }), 404, 'not_found');

    // Deleting the chat keeps what was learned by default, without a source any more.
    await expectStatus(204, 'DELETE', `/chats/${chatId}`, { caller });
    const after = await expectStatus<any>(200, 'GET', '/agents/assistant/memories', { caller });
    expect(after.memories.find((m: { id: string }) => m.id === learned.id).source).toBeNull();
  });

  it('deletes the memories a chat created when asked to, and no others', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await streamTurn(caller, chatId, 'remember that I prefer mornings');
    await expectStatus(201, 'POST', '/agents/assistant/memories', { caller, body: { content: 'Added by hand' } });
    await expectStatus(204, 'DELETE', `/chats/${chatId}?memories=delete`, { caller });
    const { memories } = await expectStatus<any>(200, 'GET', '/agents/assistant/memories', { caller });
    expect(memories.map((m: { content: string }) => m.content)).toEqual(['Added by hand']);
    // The prompt forgot it too.
    const other = await newChat(caller);
    expect((await context(caller, other)).system).not.toContain('I prefer mornings');
  });
});

function liveSocket(caller: Caller, chatId: string, sessionId: string) {
  return exports.default
    .fetch(new Request(`${ORIGIN}/api/chats/${chatId}/live?sessionId=${sessionId}`, { headers: { Upgrade: 'websocket', Authorization: `Bearer ${caller.token}` } }))
    .then((response) => {
      const socket = response.webSocket!;
      const frames: any[] = [];
      socket.accept();
      socket.addEventListener('message', (e) => frames.push(JSON.parse(e.data as string)));
      return frames;
    });
}

describe('drafts', () => {
  it('follow the user to every tab without a D1 write, and clear when the message is sent', async () => {
    const caller = await signUp();
    const tabA = await openSession(caller, { clientInstanceId: 'a' });
    const chatId = tabA.chat.id;
    const tabB = await openSession(caller, { chatId, clientInstanceId: 'b' });
    const framesA = await liveSocket(caller, chatId, tabA.session.id);
    const framesB = await liveSocket(caller, chatId, tabB.session.id);

    await installWriteCounter();
    const writesBefore = await d1Writes();
    await expectStatus(204, 'PUT', `/chats/${chatId}/draft`, { caller, body: { text: 'half a thought', sessionId: tabA.session.id } });
    expect(await d1Writes()).toBe(writesBefore);

    expect((await expectStatus<any>(200, 'GET', `/chats/${chatId}/draft`, { caller })).draft).toMatchObject({ text: 'half a thought' });
    expect((await openSession(caller, { chatId, clientInstanceId: 'phone' })).draft).toMatchObject({ text: 'half a thought' });
    await eventually(async () => framesB.find((f) => f.type === 'draft' && f.text === 'half a thought'));
    expect(framesA.some((f) => f.type === 'draft')).toBe(false); // the typing tab is not echoed

    await streamTurn(caller, chatId, 'half a thought, finished [[tokens:2]]');
    expect((await expectStatus<any>(200, 'GET', `/chats/${chatId}/draft`, { caller })).draft).toBeNull();
    await eventually(async () => framesA.find((f) => f.type === 'draft' && f.text === ''));
  });

  it('refuses an over-long draft and another user’s chat, and clears on empty text', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await expectError(
      await call('PUT', `/chats/${chatId}/draft`, { caller, body: { text: 'x'.repeat(Number(env.MAX_MESSAGE_CHARS) + 1) } }),
      400,
      'bad_request',
    );
    await expectError(await call('PUT', `/chats/${chatId}/draft`, { caller: await signUp(), body: { text: 'mine now' } }), 404, 'not_found');
    await expectStatus(204, 'PUT', `/chats/${chatId}/draft`, { caller, body: { text: 'keep' } });
    await expectStatus(204, 'PUT', `/chats/${chatId}/draft`, { caller, body: { text: '' } });
    expect((await expectStatus<any>(200, 'GET', `/chats/${chatId}/draft`, { caller })).draft).toBeNull();
  });
});
