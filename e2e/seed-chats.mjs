// Chats put in place through the app's own import (POST /api/chats/import, this app's export
// format), for steps that need a reply the mock model does not write or a history of hundreds
// of messages: a reader signs up, imports, and opens the chat like anyone would.
import assert from 'node:assert/strict';

/** A reply with Markdown wider than any bubble: a long code line and a table of eight columns. */
export const WIDE_REPLY = [
  '## Parsing a date',
  'Use `Date.parse`, then check the result, as in [the docs](https://example.com/docs):',
  '```ts',
  '// A line longer than any phone screen, so the code block has to scroll sideways inside the reply bubble',
  'export function parseDay(text: string): number | null {',
  '  const at = Date.parse(text);',
  '  return Number.isNaN(at) ? null : at;',
  '}',
  '```',
  '| Input | Parsed as | Day | Month | Year | Zone | Valid | Why it matters for the people reading this table on a narrow screen |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  '| 2024-02-30 | null | 30 | February | 2024 | UTC | no | an impossible date is refused rather than rolled over into the next month |',
  '| 2024-03-01 | 1709251200000 | 1 | March | 2024 | UTC | yes | midnight UTC, which may be the evening before in your own time zone |',
  '> Dates are hard.',
].join('\n');

/** One assistant reply of a long seeded chat, different each time: paragraphs, a list, sometimes code or a table. */
function longChatReply(i) {
  const parts = [`Here is answer number ${i}, with **bold** text, \`inline code\` and a [link](https://example.com/${i}).`];
  parts.push(`- first point of ${i}\n- second point, a little longer than the first\n- third point`);
  if (i % 3 === 0) parts.push(`\`\`\`ts\nexport function answer${i}(input: string): number {\n  return input.split(/\\s+/).filter(Boolean).length + ${i};\n}\n\`\`\``);
  if (i % 5 === 0) parts.push(`| name | value |\n|---|---|\n| alpha | ${i} |\n| beta | ${i * 2} |`);
  parts.push('That should cover it; ask again if anything is unclear.');
  return parts.join('\n\n');
}

/** An export file of `count` messages, questions and answers in turn. */
export function longChatFile(count, title = `A ${count}-message chat`) {
  const start = Date.now() - count * 60_000;
  const messages = [];
  for (let seq = 1; seq <= count; seq++) {
    const turn = Math.ceil(seq / 2);
    const user = seq % 2 === 1;
    messages.push({ seq, role: user ? 'user' : 'assistant', content: user ? `Question ${turn}: how would you explain topic ${turn}?` : longChatReply(turn), createdAt: start + seq * 30_000 });
  }
  return { chat: { id: `seed-${count}-${Date.now()}`, title, createdAt: start, updatedAt: start + count * 30_000 }, messages };
}

/** A two-message chat: `question`, then `answer` as the assistant's stored reply. */
export function exchangeFile(title, question, answer) {
  const at = Date.now() - 60_000;
  return {
    chat: { id: `seed-${Date.now()}`, title, createdAt: at, updatedAt: at },
    messages: [
      { seq: 1, role: 'user', content: question, createdAt: at },
      { seq: 2, role: 'assistant', content: answer, createdAt: at + 1_000 },
    ],
  };
}

/** A browser context signed in as a new user of its own. */
export async function newReader(browser, baseUrl, password, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: baseUrl, ...options });
  const signup = await context.request.post('/api/auth/signup', { data: { email: `e2e-reader-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.com`, password } });
  assert.equal(signup.status(), 201, await signup.text());
  return context;
}

/** Imports an export file into the context's account; answers the new chat's id. */
export async function importChat(context, baseUrl, file) {
  const res = await context.request.post('/api/chats/import?agent=assistant', {
    data: JSON.stringify(file),
    // Cookie-authenticated writes name their origin, as a browser's do (CSRF check).
    headers: { Origin: baseUrl, 'Content-Type': 'application/json' },
    timeout: 60_000,
  });
  assert.equal(res.status(), 201, await res.text());
  return (await res.json()).imported[0].chatId;
}
