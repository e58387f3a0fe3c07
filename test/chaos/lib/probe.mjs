// "Every chat accepts a new turn": after the soak and the alarms, one plain turn in every chat
// in D1 must be acknowledged and complete — a claim left behind by a dead generation would
// answer 409 busy for ever. Then every executor is asked for its state: nothing in flight.
import { randomUUID } from 'node:crypto';

const PARALLEL = 8;
const AGENT = 'assistant';

export async function probeChats({ api, databases, users, obs }) {
  const signedUp = new Map(users.filter((u) => u.token).map((u) => [u.userId, u]));
  // Every shard's chats (SPEC §17): a chat in no shard the audit reads would never be probed.
  const chats = databases.shards.flatMap((s) => s.db.prepare('SELECT id, user_id FROM chats ORDER BY id').all());
  const violations = [];
  let next = 0;
  const worker = async () => {
    while (next < chats.length) {
      const chat = chats[next++];
      const user = signedUp.get(chat.user_id);
      if (!user) {
        violations.push({ chatId: chat.id, problem: 'a chat of a user the clients never signed up' });
        continue;
      }
      // A chat whose opening answer a kill swallowed is known to no client: its owner is the row's user.
      if (!obs.chats.has(chat.id)) obs.chats.set(chat.id, user.index);
      const problem = await probeOne(api, obs, user.token, chat.id);
      if (problem) violations.push({ chatId: chat.id, ...problem });
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));

  const executors = { users: 0, cached: 0, hits: 0, misses: 0, evictions: 0 };
  for (const user of users.filter((u) => u.token)) {
    const answer = await api.request('GET', `/agents/${AGENT}/executor`, { token: user.token });
    if (!answer.ok) {
      violations.push({ user: user.index, problem: `executor state answered ${answer.status}`, answer: answer.data ?? answer.networkError });
      continue;
    }
    const state = answer.data;
    executors.users += 1;
    executors.cached += state.cached ? 1 : 0;
    executors.hits += state.hits;
    executors.misses += state.misses;
    executors.evictions += state.evictions;
    if (state.inFlight !== 0) violations.push({ user: user.index, problem: `executor reports ${state.inFlight} generations in flight after the soak`, state });
  }
  return { checked: chats.length, violations, executors };
}

async function probeOne(api, obs, token, chatId) {
  const clientMessageId = randomUUID();
  const events = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    events.length = 0;
    const result = await api.turn({
      token,
      chatId,
      body: { content: `chaos probe: still there? [[tokens:3]]`, clientMessageId },
      controller: new AbortController(),
      onEvent: (event, data) => {
        events.push({ event, data });
        if (event === 'user_message') obs.ack('probe', chatId, data.message);
        if (event === 'assistant_message') obs.reply('probe', chatId, data.message);
      },
    });
    // The server is up and nothing kills it now: a network error is worth one more try, nothing else.
    if (result.answer.status === 0) continue;
    if (result.answer.status !== 200)
      return { problem: `the probe turn answered ${result.answer.status} ${result.answer.code ?? ''}`, answer: result.answer.data };
    const names = events.map((e) => e.event);
    const reply = events.find((e) => e.event === 'assistant_message')?.data.message;
    if (names[0] !== 'user_message' || names.at(-1) !== 'done' || reply?.status !== 'complete')
      return { problem: 'the probe turn did not complete', events: names, status: reply?.status };
    return null;
  }
  return { problem: 'the probe turn never got an answer' };
}
