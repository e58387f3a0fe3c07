import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { call, expectError, expectStatus, signUp } from './helpers';
import { addMessages, createChat, highlighted, search } from './history-helpers';
import { streamTurn } from './turn-helpers';

describe('search (GET /search)', () => {
  it('ranks by bm25: the message where the word weighs most comes first', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    // The denser message is the older one, so neither time nor seq order would put it first.
    const [dense, , diluted] = await addMessages(chatId, [
      { role: 'assistant', content: 'Kayak tips: a kayak paddle, a kayak spray deck.' },
      { role: 'assistant', content: 'Nothing to do with boats here.' },
      { role: 'user', content: 'We talked about many things today: the weather, the train times, dinner plans, and once a kayak.' },
    ]);
    const results = await search(caller, 'kayak');
    expect(results.map((r) => r.messageId)).toEqual([dense!.id, diluted!.id]);
    expect(results[0]).toMatchObject({ chatId, chatTitle: 'New chat', agentName: 'assistant', seq: 1, role: 'assistant', createdAt: 1_700_000_000_001 });
  });

  it('matches "quoted phrases" as phrases and bare words anywhere, all of them required', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    const [phrase, scattered] = await addMessages(chatId, [
      { role: 'user', content: 'The blue whale sings at night.' },
      { role: 'assistant', content: 'A whale is not always blue.' },
      { role: 'user', content: 'Only a blue sky here.' },
    ]);
    expect((await search(caller, '"blue whale"')).map((r) => r.messageId)).toEqual([phrase!.id]);
    expect(new Set((await search(caller, 'blue whale')).map((r) => r.messageId))).toEqual(new Set([phrase!.id, scattered!.id]));
    const [hit] = await search(caller, '"blue whale"');
    expect(highlighted(hit!)).toEqual(['blue whale']);
  });

  it('matches prefixes as the user types, also the unfinished last word of an open phrase', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    const [m] = await addMessages(chatId, [{ role: 'user', content: 'Remind me about the photosynthesis lecture' }]);
    for (const typed of ['ph', 'photo', 'photosynth', 'photosynthesis', '"the photo', 'lect photos']) {
      expect(
        (await search(caller, typed)).map((r) => r.messageId),
        typed,
      ).toEqual([m!.id]);
    }
    expect(await search(caller, 'photosynthesiss')).toEqual([]);
    expect(await search(caller, '"the photo"')).toEqual([]);
  });

  it('folds diacritics both ways', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    const [accented, plain] = await addMessages(chatId, [
      { role: 'user', content: 'Crème brûlée at the café' },
      { role: 'assistant', content: 'creme brulee is easy to make' },
    ]);
    const ids = async (q: string) => new Set((await search(caller, q)).map((r) => r.messageId));
    expect(await ids('creme brulee')).toEqual(new Set([accented!.id, plain!.id]));
    expect(await ids('CRÈME')).toEqual(new Set([accented!.id, plain!.id]));
    expect(await ids('cafe')).toEqual(new Set([accented!.id]));
    const [hit] = await search(caller, 'cafe');
    expect(highlighted(hit!)).toEqual(['café']);
  });

  it('answers a plain-text snippet with UTF-16 ranges of the matches, cut with … around a long text', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    const filler = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    await addMessages(chatId, [{ role: 'user', content: `😀 <b>Zebra</b> & 𝔘nicode: then ${filler} and a final zebra.` }]);
    const [hit] = await search(caller, 'zebra');
    // The marks FTS5 put around matches are gone.
    expect([...hit!.snippet].filter((ch) => ch < ' ')).toEqual([]);
    expect(hit!.snippet.startsWith('😀 <b>Zebra</b>')).toBe(true);
    expect(hit!.snippet.endsWith('…')).toBe(true);
    // The emoji is two UTF-16 code units: "Zebra" starts at 6, not 5.
    expect(hit!.ranges[0]).toEqual([6, 11]);
    expect(highlighted(hit!)).toEqual(['Zebra']);
  });

  it("finds only the caller's own messages, and one agent's when asked", async () => {
    const alice = await signUp('alice');
    const bob = await signUp('bob');
    const aliceAssistant = await createChat(alice);
    const aliceNotes = await createChat(alice, 'notes');
    const bobChat = await createChat(bob);
    await addMessages(aliceAssistant, [{ role: 'user', content: 'secret pumpernickel recipe' }]);
    await addMessages(aliceNotes, [{ role: 'user', content: 'pumpernickel thoughts' }]);
    await addMessages(bobChat, [{ role: 'user', content: 'pumpernickel from bob' }]);

    const all = await search(alice, 'pumpernickel');
    expect(all.map((r) => r.chatId).sort()).toEqual([aliceAssistant, aliceNotes].sort());
    expect((await search(alice, 'pumpernickel', '&agent=notes')).map((r) => r.chatId)).toEqual([aliceNotes]);
    expect((await search(bob, 'pumpernickel')).map((r) => r.chatId)).toEqual([bobChat]);
    expect(await search(bob, 'secret')).toEqual([]);
    await expectError(await call('GET', '/search?q=pumpernickel'), 401, 'unauthorized');
    await expectError(await call('GET', '/search?q=x&agent=nobody', { caller: alice }), 400, 'bad_request');
  });

  it('indexes what a real turn stores, leaves tool results out, and forgets a deleted chat', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    await streamTurn(caller, chatId, 'add a task to buy quinoa');
    const found = await search(caller, 'quinoa');
    // The user's words and the reply about the tool's result; the tool message itself is JSON for the model.
    expect(found.map((r) => r.role).sort()).toEqual(['assistant', 'user']);
    const tool = await addMessages(chatId, [{ role: 'tool', content: '{"ok":true,"note":"xylophone"}', name: 'create_task' }]);
    expect(tool).toHaveLength(1);
    expect(await search(caller, 'xylophone')).toEqual([]);

    await expectStatus(204, 'DELETE', `/chats/${chatId}`, { caller });
    expect(await search(caller, 'quinoa')).toEqual([]);
  });

  it('treats any query as text: FTS5 syntax, quotes, unicode and long input never answer 5xx', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    await addMessages(chatId, [{ role: 'user', content: 'NEAR the AND gate, OR not: (x) ^caret* "quoted" it\'s 中文 مرحبا' }]);
    const hostile = [
      '"',
      '""',
      '"""',
      '"unterminated',
      'a"b',
      '(',
      ')',
      '()',
      'AND',
      'OR',
      'NOT',
      'NEAR',
      'NEAR(a b)',
      'a OR b',
      'a AND',
      'NOT a',
      '*',
      '**',
      'a*',
      '*a',
      '^',
      '^a',
      'content:a',
      '-a',
      '+a',
      '{a b}',
      ':',
      "'",
      "it's",
      '\\',
      '%',
      '_',
      '%_%',
      '🙂',
      '🙂🙂',
      '中文',
      'مرحبا',
      '\u200b',
      'e\u0301',
      '   ',
      '',
      ' " ( ^ * ',
    ];
    for (const q of hostile) {
      const response = await call('GET', `/search?q=${encodeURIComponent(q)}`, { caller });
      expect(response.status, JSON.stringify(q)).toBe(200);
      expect(Array.isArray((await response.json<{ results: unknown[] }>()).results)).toBe(true);
    }
    // Operators are words like any other.
    for (const q of ['NEAR', 'AND', 'OR', '^caret', '(x)', '"quoted"', "it's", '中文', 'مرحبا']) {
      expect(await search(caller, q), q).toHaveLength(1);
    }
    expect(await search(caller, '')).toEqual([]);
    // Bytes that are not UTF-8 (a lone surrogate, 0xFF): refused as a malformed URL, not searched.
    for (const raw of ['%ED%A0%80', '%FF', '%']) {
      const response = await call('GET', `/search?q=${raw}`, { caller });
      expect(response.status, raw).toBeGreaterThanOrEqual(200);
      expect(response.status, raw).toBeLessThan(500);
    }
    // Too long, too many words, control characters, a missing q: a 400 that says why.
    expect(await expectError(await call('GET', `/search?q=${'a'.repeat(1000)}`, { caller }), 400, 'bad_request')).toMatch(/^q: /);
    expect(await expectError(await call('GET', `/search?q=${encodeURIComponent('a b c d e f g h i j k')}`, { caller }), 400, 'bad_request')).toMatch(
      /at most 10/,
    );
    await expectError(await call('GET', `/search?q=${encodeURIComponent('a\u0000b')}`, { caller }), 400, 'bad_request');
    await expectError(await call('GET', '/search', { caller }), 400, 'bad_request');
    await expectError(await call('GET', '/search?q=a&limit=51', { caller }), 400, 'bad_request');
  });

  it('never answers 5xx for any random query string (property)', async () => {
    const caller = await signUp();
    const chatId = await createChat(caller);
    await addMessages(chatId, [{ role: 'user', content: 'alpha beta gamma "delta" (epsilon) NEAR zeta*' }]);
    const syntax = fc.constantFrom('"', '(', ')', '*', '^', ':', '+', '-', 'AND', 'OR', 'NOT', 'NEAR', ' ', '{', '}', ',', 'alpha', 'é', '🙂');
    const query = fc.oneof(
      fc.string({ maxLength: 60, unit: 'grapheme' }),
      fc.array(syntax, { maxLength: 12 }).map((parts) => parts.join('')),
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const response = await call('GET', `/search?q=${encodeURIComponent(q)}`, { caller });
        const body = await response.json<{ results?: unknown[]; error?: { code: string } }>();
        return (response.status === 200 && Array.isArray(body.results)) || (response.status === 400 && body.error?.code === 'bad_request');
      }),
      { numRuns: 150 },
    );
  });
});
