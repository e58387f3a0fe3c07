/**
 * SPEC §16: messages form a tree, the chat shows the path to its head, and edits and
 * regenerations add siblings without losing anything — through the real Worker, executor,
 * D1 and mock model.
 */
import { describe, expect, it } from 'vitest';
import { call, d1Writes, expectError, expectStatus, installWriteCounter, openSession, signUp } from './helpers';
import { marker, modelRequests, newChat, readUntilDeltas, sendStreaming, storedMessages, streamTurn } from './turn-helpers';
import { connect, expectOnePath, page, placesOf, regenerate, regenerateStreaming, seqsOf, storedTree, turn, turnOf } from './branch-helpers';

/** The request's conversation after the system message, as [role, content]. */
const conversation = (request: any) => request.messages.slice(1).map((m: { role: string; content: string | null }) => [m.role, m.content]);

describe('an edit', () => {
  it('adds a sibling user message and its reply, keeps every earlier message, and the model sees only the new path', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const one = await turn(caller, chatId, 'first question alpha [[tokens:2]]');
    const two = await turn(caller, chatId, 'second question bravo [[tokens:2]]');
    await turn(caller, chatId, 'third question charlie [[tokens:2]]');
    expect(seqsOf([one.user, one.reply, two.user, two.reply])).toEqual([1, 2, 3, 4]);

    await installWriteCounter();
    const before = await d1Writes('chat_messages');
    const tag = marker();
    const edited = await turn(caller, chatId, `second question edited ${tag} [[tokens:2]]`, { parentSeq: two.user.parentSeq });
    // An edit still costs two chat_messages writes, like any turn.
    expect((await d1Writes('chat_messages')) - before).toBe(2);
    expect(edited.user).toMatchObject({ seq: 7, parentSeq: 2, siblings: { index: 2, count: 2 } });
    expect(edited.reply).toMatchObject({ seq: 8, parentSeq: 7, siblings: { index: 1, count: 1 }, status: 'complete' });

    // Nothing was deleted: the old branch is all there.
    expect(await storedTree(chatId)).toEqual([
      [1, null],
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 4],
      [6, 5],
      [7, 2],
      [8, 7],
    ]);
    const [request] = await modelRequests(tag);
    expect(conversation(request)).toEqual([
      ['user', 'first question alpha [[tokens:2]]'],
      ['assistant', one.reply.content],
      ['user', `second question edited ${tag} [[tokens:2]]`],
    ]);

    // What the agent sees next (SPEC §14) is that path too; the other branch is not "left out".
    const preview = await expectStatus(200, 'GET', `/chats/${chatId}/context`, { caller });
    expect(preview.window.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 7, 8]);
    expect(preview.omitted).toBe(0);

    // Pages (and, below, a new tab's session) show the new path, with the edited message's place.
    const shown = await page(caller, chatId);
    expect(placesOf(shown.messages)).toEqual(['1:1/1', '2:1/1', '7:2/2', '8:1/1']);
    expectOnePath(shown.messages);

    // The next message follows the head on a warm executor: no D1 before its first token, and
    // the model still sees only the new path.
    const next = marker();
    const events = await streamTurn(caller, chatId, `fourth question delta ${next} [[tokens:2]]`);
    const after = turnOf(events);
    expect(after.user).toMatchObject({ seq: 9, parentSeq: 8 });
    expect(after.reply.timings).toMatchObject({ d1BeforeFirstToken: 0 });
    const [followUp] = await modelRequests(next);
    const said = JSON.stringify(followUp.messages);
    expect(said).toContain(tag);
    expect(said).not.toContain('bravo');
    expect(said).not.toContain('charlie');
    const tab = await openSession(caller, { chatId, clientInstanceId: crypto.randomUUID() });
    expect(placesOf(tab.messages)).toEqual(['1:1/1', '2:1/1', '7:2/2', '8:1/1', '9:1/1', '10:1/1']);
  });

  it('keeps the turns after it warm for a client that names its messages (clientMessageId)', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const named = (content: string, extra: Record<string, unknown> = {}) => turn(caller, chatId, content, { clientMessageId: crypto.randomUUID(), ...extra });
    await named('first alpha [[tokens:2]]');
    const second = await named('second bravo [[tokens:2]]');
    await named('second edited charlie [[tokens:2]]', { parentSeq: second.user.parentSeq });
    // Message 3 is off the window's path now, yet the executor still knows every id of the
    // chat: a new id needs no D1 read to prove it is not a retry.
    const next = await named('third delta [[tokens:2]]');
    expect(next.user).toMatchObject({ seq: 7, parentSeq: 6 });
    expect(next.reply.timings).toMatchObject({ d1BeforeFirstToken: 0 });
    // A retry of a message on the other branch still finds its stored turn.
    const again = await turn(caller, chatId, 'second bravo [[tokens:2]]', { clientMessageId: second.user.clientMessageId });
    expect(again.reply.id).toBe(second.reply.id);
  });

  it('edits a first message with parentSeq null: a new root, and the model sees nothing before it', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await turn(caller, chatId, 'opening words alpha [[tokens:2]]');
    await turn(caller, chatId, 'more words bravo [[tokens:2]]');
    const tag = marker();
    const edited = await turn(caller, chatId, `opening words again ${tag} [[tokens:2]]`, { parentSeq: null });
    expect(edited.user).toMatchObject({ seq: 5, parentSeq: null, siblings: { index: 2, count: 2 } });
    const [request] = await modelRequests(tag);
    expect(conversation(request)).toEqual([['user', `opening words again ${tag} [[tokens:2]]`]]);
    expect(placesOf((await page(caller, chatId)).messages)).toEqual(['5:2/2', '6:1/1']);
    expect(await storedTree(chatId)).toHaveLength(6);
  });

  it('answers 409 busy while a reply streams, and writes nothing', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const first = await turn(caller, chatId, 'hello there [[tokens:2]]');
    const streaming = await readUntilDeltas(await sendStreaming(caller, chatId, 'slowly now [[slow]] [[tokens:20]]'), 1);
    const tag = marker();
    await expectError(await sendStreaming(caller, chatId, `an edit ${tag}`, { parentSeq: first.reply.seq }), 409, 'busy');
    await expectError(await regenerateStreaming(caller, chatId, first.reply.seq), 409, 'busy');
    await expectError(await call('PUT', `/chats/${chatId}/head`, { caller, body: { seq: 1 } }), 409, 'busy');
    await streaming.finish();
    expect(seqsOf(await storedMessages(chatId))).toEqual([1, 2, 3, 4]);
    expect(await modelRequests(tag)).toEqual([]);
  });
});

describe('regenerate', () => {
  it('adds a sibling reply answering the same message with the same context, and keeps the old one', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const one = await turn(caller, chatId, 'tell me alpha [[tokens:2]]');
    const tag = marker();
    const two = await turn(caller, chatId, `tell me more ${tag} [[tokens:3]]`);
    const events = await regenerate(caller, chatId, two.reply.seq);
    expect(events.map((e) => e.event).filter((n) => n !== 'delta')).toEqual(['user_message', 'assistant_message', 'done']);
    const again = turnOf(events);
    // The acknowledgment is the message answered, already stored; the reply is its second.
    expect(again.user).toMatchObject({ seq: 3, parentSeq: 2, siblings: { index: 1, count: 1 } });
    expect(again.reply).toMatchObject({ seq: 5, parentSeq: 3, siblings: { index: 2, count: 2 }, status: 'complete' });
    const [original, regenerated] = await modelRequests(tag);
    expect(conversation(regenerated)).toEqual(conversation(original));
    expect(placesOf((await page(caller, chatId)).messages)).toEqual(['1:1/1', '2:1/1', '3:1/1', '5:2/2']);
    expect(await storedTree(chatId)).toEqual([
      [1, null],
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 3],
    ]);

    // An older reply: the path is cut there, and the model sees only what led to it.
    const older = turnOf(await regenerate(caller, chatId, one.reply.seq));
    expect(older.reply).toMatchObject({ seq: 6, parentSeq: 1, siblings: { index: 2, count: 2 } });
    expect(placesOf((await page(caller, chatId)).messages)).toEqual(['1:1/1', '6:2/2']);
    expect(await storedTree(chatId)).toHaveLength(6);
    // Without SSE the turn answers as JSON, as a send does.
    const viaJson = await expectStatus(200, 'POST', `/chats/${chatId}/regenerate`, { caller, body: { seq: 6 } });
    expect(viaJson.userMessage).toMatchObject({ seq: 1 });
    expect(viaJson.message).toMatchObject({ seq: 7, parentSeq: 1, siblings: { index: 3, count: 3 } });
  });

  it('regenerates a tool-calling turn from its user message, tools included, whichever of its messages is named', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const events = await streamTurn(caller, chatId, 'add a task to buy milk');
    expect(events.map((e) => e.event)).toContain('tool_call');
    const stored = await storedMessages(chatId);
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);

    const fromAnswer = await regenerate(caller, chatId, 4);
    expect(fromAnswer.map((e) => e.event)).toContain('tool_call');
    // The tool call is the new first reply to the user's message, beside the old one.
    const tree = await storedTree(chatId);
    expect(tree.slice(4)).toEqual([
      [5, 1],
      [6, 5],
      [7, 6],
    ]);
    const shown = await page(caller, chatId);
    expect(placesOf(shown.messages)).toEqual(['1:1/1', '5:2/2', '6:1/1', '7:1/1']);

    await regenerate(caller, chatId, 6); // a tool result: its turn again, from message 1
    expect(placesOf((await page(caller, chatId)).messages)).toEqual(['1:1/1', '8:3/3', '9:1/1', '10:1/1']);
  });
});

describe('switching the head', () => {
  it('shows the newest leaf under the message, tells the other tabs, and later turns follow it', async () => {
    const caller = await signUp();
    const tabA = await openSession(caller, { clientInstanceId: crypto.randomUUID() });
    const chatId = tabA.chat.id;
    const tabB = await openSession(caller, { chatId, clientInstanceId: crypto.randomUUID() });
    await turn(caller, chatId, 'one alpha [[tokens:2]]');
    await turn(caller, chatId, 'two bravo [[tokens:2]]');
    await turn(caller, chatId, 'three charlie [[tokens:2]]');
    await turn(caller, chatId, 'two edited echo [[tokens:2]]', { parentSeq: 2 });
    await turn(caller, chatId, 'four foxtrot [[tokens:2]]');
    expect(seqsOf((await page(caller, chatId)).messages)).toEqual([1, 2, 7, 8, 9, 10]);

    const a = await connect(caller, chatId, tabA.session.id);
    const b = await connect(caller, chatId, tabB.session.id);
    await a.next((f) => f.type === 'snapshot');
    expect(await b.next((f) => f.type === 'snapshot')).toMatchObject({ lastSeq: 10 });

    // "‹ 1 / 2 ›" on message 7 goes to message 3: the newest conversation through it ends at 6.
    const switched = await expectStatus(200, 'PUT', `/chats/${chatId}/head`, { caller, body: { seq: 3, sessionId: tabA.session.id } });
    expect(switched.headSeq).toBe(6);
    expect(placesOf(switched.messages)).toEqual(['1:1/1', '2:1/1', '3:1/2', '4:1/1', '5:1/1', '6:1/1']);
    expect(switched.hasMore).toBe(false);
    expect(await b.next((f) => f.type === 'head')).toEqual({ type: 'head', seq: 6 });

    expect(seqsOf((await page(caller, chatId)).messages)).toEqual([1, 2, 3, 4, 5, 6]);

    // The executor's window follows: the next turn is warm, on the branch shown.
    const tag = marker();
    const next = await turn(caller, chatId, `five golf ${tag} [[tokens:2]]`);
    expect(next.user).toMatchObject({ seq: 11, parentSeq: 6 });
    expect(next.reply.timings).toMatchObject({ d1BeforeFirstToken: 0 });
    const reopened = await openSession(caller, { chatId, clientInstanceId: crypto.randomUUID() });
    expect(seqsOf(reopened.messages)).toEqual([1, 2, 3, 4, 5, 6, 11, 12]);
    const said = JSON.stringify((await modelRequests(tag))[0].messages);
    expect(said).toContain('charlie');
    expect(said).not.toContain('echo');
    expect(said).not.toContain('foxtrot');
    // The tab that switched got no frame of its own (it has the page), though it sees the turn after it.
    await a.next((f) => f.type === 'assistant_message' && f.message.seq === 12);
    expect(a.frames.filter((f) => f.type === 'head')).toEqual([]);

    // Back to the edit's branch, then the oldest message: the newest leaf of all.
    expect((await expectStatus(200, 'PUT', `/chats/${chatId}/head`, { caller, body: { seq: 7 } })).headSeq).toBe(10);
    expect((await expectStatus(200, 'PUT', `/chats/${chatId}/head`, { caller, body: { seq: 1 } })).headSeq).toBe(12);
    a.socket.close(1000);
    b.socket.close(1000);
  });

  it('leads the compatibility /chat endpoint on the branch shown', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await turn(caller, chatId, 'one alpha [[tokens:2]]');
    await turn(caller, chatId, 'two bravo [[tokens:2]]');
    await turn(caller, chatId, 'two edited charlie [[tokens:2]]', { parentSeq: 2 });
    await expectStatus(200, 'PUT', `/chats/${chatId}/head`, { caller, body: { seq: 3 } });
    const tag = marker();
    await expectStatus(200, 'POST', '/chat', { caller, body: { agent_name: 'assistant', message: `compat ${tag} [[tokens:2]]`, session_id: chatId } });
    const said = JSON.stringify((await modelRequests(tag))[0].messages);
    expect(said).toContain('bravo');
    expect(said).not.toContain('charlie');
    expect((await storedMessages(chatId)).find((m) => m.content.includes(tag))).toMatchObject({ seq: 7, parent_seq: 4 });
  });
});

describe('pages along the head’s path', () => {
  it('pages before= up the path of the message named, and after= along the head', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    for (const word of ['alpha', 'bravo', 'charlie']) await turn(caller, chatId, `${word} [[tokens:2]]`);
    await turn(caller, chatId, 'bravo edited [[tokens:2]]', { parentSeq: 2 });
    await turn(caller, chatId, 'delta [[tokens:2]]');
    // The path: 1 2 7 8 9 10.
    const older = await page(caller, chatId, '?before=9&limit=2');
    expect(seqsOf(older.messages)).toEqual([7, 8]);
    expect(older.hasMore).toBe(true);
    expect(seqsOf((await page(caller, chatId, '?before=7&limit=5')).messages)).toEqual([1, 2]);
    // A tab still showing the other branch pages on up its own path.
    expect(seqsOf((await page(caller, chatId, '?before=5&limit=5')).messages)).toEqual([1, 2, 3, 4]);
    const newest = await page(caller, chatId, '?limit=3');
    expect(seqsOf(newest.messages)).toEqual([8, 9, 10]);
    expect(newest.hasMore).toBe(true);
    // A reconnecting client catches up along the head: 3–6 are another branch.
    const caughtUp = await page(caller, chatId, '?after=2');
    expect(seqsOf(caughtUp.messages)).toEqual([7, 8, 9, 10]);
    const first = await page(caller, chatId, '?after=0&limit=2');
    expect(seqsOf(first.messages)).toEqual([1, 2]);
    expect(first.hasMore).toBe(true);
    // around= opens a message of another branch on that branch.
    expect(seqsOf((await page(caller, chatId, '?around=4&limit=4')).messages)).toEqual([3, 4, 5, 6]);
    expect(seqsOf((await page(caller, chatId, '?around=8&limit=4')).messages)).toEqual([7, 8, 9, 10]);
    expect(seqsOf((await page(caller, chatId, '?around=3&limit=6')).messages)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('bad branches', () => {
  it('answers 404 for another user’s chat: nothing stored, the model never asked, no head moved', async () => {
    const alice = await signUp();
    const bob = await signUp();
    const chatId = await newChat(alice);
    await turn(alice, chatId, 'mine alpha [[tokens:2]]');
    await turn(alice, chatId, 'mine bravo [[tokens:2]]');
    const tag = marker();
    await expectError(await sendStreaming(bob, chatId, `not yours ${tag}`, { parentSeq: 2 }), 404, 'not_found');
    await expectError(await regenerateStreaming(bob, chatId, 4), 404, 'not_found');
    await expectError(await call('PUT', `/chats/${chatId}/head`, { caller: bob, body: { seq: 1 } }), 404, 'not_found');
    expect(seqsOf(await storedMessages(chatId))).toEqual([1, 2, 3, 4]);
    expect(await modelRequests(tag)).toEqual([]);
    expect(seqsOf((await page(alice, chatId)).messages)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a parentSeq or seq that names nothing (404) or the wrong message (400), writing nothing', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await streamTurn(caller, chatId, 'add a task to buy milk'); // 1 user, 2 tool call, 3 tool, 4 answer
    const tag = marker();
    const edit = (parentSeq: unknown) => sendStreaming(caller, chatId, `edited ${tag}`, { parentSeq });
    await expectError(await edit(99), 404, 'not_found');
    await expectError(await edit(1), 400, 'bad_request'); // a user message
    await expectError(await edit(2), 400, 'bad_request'); // a tool call: its results must follow it
    await expectError(await edit(3), 400, 'bad_request'); // a tool result
    await expectError(await edit(0), 400, 'bad_request');
    await expectError(await edit('2'), 400, 'bad_request');
    await expectError(await edit(1.5), 400, 'bad_request');
    await expectError(await regenerateStreaming(caller, chatId, 99), 404, 'not_found');
    await expectError(await regenerateStreaming(caller, chatId, 1), 400, 'bad_request');
    await expectError(await regenerateStreaming(caller, chatId, 0), 400, 'bad_request');
    await expectError(await call('POST', `/chats/${chatId}/regenerate`, { caller, body: { seq: 4, content: 'extra' } }), 400, 'bad_request');
    await expectError(await call('PUT', `/chats/${chatId}/head`, { caller, body: { seq: 99 } }), 404, 'not_found');
    await expectError(await call('PUT', `/chats/${chatId}/head`, { caller, body: { seq: -1 } }), 400, 'bad_request');
    await expectError(await call('PUT', `/chats/${chatId}/head`, { caller, body: {} }), 400, 'bad_request');
    expect(seqsOf(await storedMessages(chatId))).toEqual([1, 2, 3, 4]);
    expect(await modelRequests(tag)).toEqual([]);
    // Refusals took no turn: the chat goes on where it was.
    expect(turnOf(await streamTurn(caller, chatId, 'still here [[tokens:2]]')).user).toMatchObject({ seq: 5, parentSeq: 4 });
  });
});

describe('export', () => {
  it('writes the whole tree as JSON and the head’s path as markdown', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    await turn(caller, chatId, 'question alpha [[tokens:2]]');
    await turn(caller, chatId, 'question alpha edited bravo [[tokens:2]]', { parentSeq: null });
    const json = await (await call('GET', `/chats/${chatId}/export?format=json`, { caller })).json<any>();
    expect(json.headSeq).toBe(4);
    expect(json.messages.map((m: any) => [m.seq, m.parentSeq, `${m.siblings.index}/${m.siblings.count}`])).toEqual([
      [1, null, '1/2'],
      [2, 1, '1/1'],
      [3, null, '2/2'],
      [4, 3, '1/1'],
    ]);
    const markdown = await (await call('GET', `/chats/${chatId}/export?format=markdown`, { caller })).text();
    const [title, ...messages] = markdown.split(/^## /m);
    // The title came from the first message, or from the model after the first reply (SPEC §4.7).
    expect(title).toMatch(/^# (question alpha \[\[tokens:2\]\]|Question alpha)$/m);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('question alpha edited bravo');
    expect(messages.join('')).not.toContain('question alpha [[tokens:2]]');
  });
});
