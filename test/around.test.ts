import { describe, expect, it } from 'vitest';
import { call, expectError, expectStatus, seedMessages, signUp } from './helpers';
import { createChat, search, addMessages } from './history-helpers';

interface AroundPage {
  messages: { seq: number }[];
  hasMore: boolean;
  hasMoreBefore: boolean;
  hasMoreAfter: boolean;
}

const seqs = (page: AroundPage) => page.messages.map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('GET /chats/:id/messages?around=<seq>', () => {
  it('answers the page centred on the message, ascending, with more on both sides', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    await seedMessages(chatId, 120);
    const page = await expectStatus<AroundPage>(200, 'GET', `/chats/${chatId}/messages?around=60&limit=10`, { caller });
    expect(seqs(page)).toEqual(range(56, 65));
    expect(page).toMatchObject({ hasMore: true, hasMoreBefore: true, hasMoreAfter: true });
    // The default page size, and the page reads on with before= and after= like any other.
    const wide = await expectStatus<AroundPage>(200, 'GET', `/chats/${chatId}/messages?around=60`, { caller });
    expect(seqs(wide)).toEqual(range(36, 85));
    const older = await expectStatus<AroundPage>(200, 'GET', `/chats/${chatId}/messages?before=36&limit=5`, { caller });
    expect(seqs(older)).toEqual(range(31, 35));
  });

  it('fills the page from the other side near either end of the chat', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    await seedMessages(chatId, 30);
    const first = await expectStatus<AroundPage>(200, 'GET', `/chats/${chatId}/messages?around=1&limit=10`, { caller });
    expect(seqs(first)).toEqual(range(1, 10));
    expect(first).toMatchObject({ hasMore: false, hasMoreBefore: false, hasMoreAfter: true });
    const nearStart = await expectStatus<AroundPage>(200, 'GET', `/chats/${chatId}/messages?around=3&limit=10`, { caller });
    expect(seqs(nearStart)).toEqual(range(1, 10));
    const last = await expectStatus<AroundPage>(200, 'GET', `/chats/${chatId}/messages?around=30&limit=10`, { caller });
    expect(seqs(last)).toEqual(range(21, 30));
    expect(last).toMatchObject({ hasMoreBefore: true, hasMoreAfter: false });
    const whole = await expectStatus<AroundPage>(200, 'GET', `/chats/${chatId}/messages?around=15&limit=200`, { caller });
    expect(seqs(whole)).toEqual(range(1, 30));
    expect(whole).toMatchObject({ hasMoreBefore: false, hasMoreAfter: false });
    const single = await expectStatus<AroundPage>(200, 'GET', `/chats/${chatId}/messages?around=15&limit=1`, { caller });
    expect(seqs(single)).toEqual([15]);
    // Past the end: the newest page, as if the message were there.
    const past = await expectStatus<AroundPage>(200, 'GET', `/chats/${chatId}/messages?around=999&limit=4`, { caller });
    expect(seqs(past)).toEqual(range(27, 30));
  });

  it('opens a search result at its message', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    await seedMessages(chatId, 40);
    await addMessages(chatId, [{ role: 'assistant', content: 'the narwhal answer' }]);
    await seedMessages(chatId, 40, 42);
    const [hit] = await search(caller, 'narwhal');
    const page = await expectStatus<AroundPage & { messages: { seq: number; content: string }[] }>(
      200,
      'GET',
      `/chats/${hit!.chatId}/messages?around=${hit!.seq}&limit=21`,
      { caller },
    );
    expect(page.messages[10]).toMatchObject({ seq: 41, content: 'the narwhal answer' });
  });

  it("refuses another user's chat and mixed or malformed cursors", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const chatId = await createChat(owner);
    await seedMessages(chatId, 5);
    await expectError(await call('GET', `/chats/${chatId}/messages?around=3`, { caller: stranger }), 404, 'not_found');
    for (const query of ['around=3&before=4', 'around=3&after=1', 'around=-1', 'around=abc', 'around=3&limit=0', 'around=3&limit=201']) {
      await expectError(await call('GET', `/chats/${chatId}/messages?${query}`, { caller: owner }), 400, 'bad_request');
    }
  });
});
