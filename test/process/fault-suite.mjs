// The fault suite that needs real processes: `wrangler dev` killed with SIGKILL in the middle of
// a streamed reply and restarted on the same storage, the mock model's faults under parallel
// load, and parallel session opens from several users. Run by .ci/run after `npm test`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import { startMockModel } from '../../mock-model/server.mjs';
import { applyD1Migrations, freePort, makeTempDir, ROOT, runStep, shardBindings, startWrangler, waitForHealth } from '../../e2e/harness.mjs';

/** The mock model's silence before its first byte: far longer than the outbox's 250 ms flush delay. */
const MODEL_WAIT_MS = 2000;
/** When to kill after the acknowledgment: the user message is durable locally, not yet in D1. */
const KILL_AFTER_ACK_MS = 100;

const results = [];
const log = (message) => process.stdout.write(`[faults] ${message}\n`);

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    log(`✔ ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    log(`✘ ${name}: ${error?.stack ?? error}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function client(baseUrl) {
  async function request(method, path, { token, body, sse } = {}) {
    const headers = { Origin: baseUrl };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (sse) headers.Accept = 'text/event-stream';
    return fetch(`${baseUrl}/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  }
  async function json(method, path, options, expected = [200, 201]) {
    const response = await request(method, path, options);
    const text = await response.text();
    assert(expected.includes(response.status), `${method} ${path} → ${response.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  }
  /** A new user: the token, and the id the directory files the user's shard under. */
  async function signUpUser(tag) {
    const { token, user } = await json('POST', '/auth/signup', {
      body: { email: `${tag}-${crypto.randomUUID()}@example.com`, password: 'fault suite password' },
    });
    return { token, userId: user.id };
  }
  const signUp = (tag) => signUpUser(tag).then((u) => u.token);
  async function events(response) {
    const out = [];
    const parser = createParser({ onEvent: (e) => out.push({ event: e.event, data: JSON.parse(e.data) }) });
    parser.feed(await response.text());
    return out;
  }
  return { request, json, signUp, signUpUser, events };
}

async function main() {
  const shards = shardBindings();
  assert(shards.length >= 2, `wrangler.toml binds ${shards.length} shards; the suite runs with at least two (SPEC §17)`);
  if (!existsSync(join(ROOT, 'dist', 'client', 'index.html'))) {
    log('building');
    runStep('npx', ['vite', 'build'], { timeoutMs: 240_000 });
  }
  const temp = makeTempDir();
  const mock = await startMockModel({ port: 0, tokenDelayMs: 2 });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // The suite signs up more users from 127.0.0.1 than the sign-up limit allows one address in an hour.
  const vars = { OPENAI_BASE_URL: mock.url, OPENAI_TIMEOUT_MS: '3000', SIGNUPS_PER_HOUR: '1000' };
  await applyD1Migrations({ persistTo: temp.dir });
  let wrangler = startWrangler({ port, persistTo: temp.dir, vars });
  const alive = () => wrangler.child.exitCode === null && wrangler.child.signalCode === null;
  const api = client(baseUrl);
  /** SIGKILL to wrangler dev's whole process group: workerd dies with no chance to flush anything. */
  const killWrangler = async () => {
    const exited = new Promise((resolve) => wrangler.child.once('exit', resolve));
    process.kill(-wrangler.child.pid, 'SIGKILL');
    await exited;
  };
  const restartWrangler = async () => {
    wrangler = startWrangler({ port, persistTo: temp.dir, vars });
    await waitForHealth(baseUrl, { timeoutMs: 90_000, isAlive: alive });
  };
  /** A check that kills the server: whatever it asserts, the checks after it get a live one. */
  const crashCheck = (name, fn) =>
    check(name, async () => {
      try {
        await fn();
      } finally {
        if (!alive()) await restartWrangler();
      }
    });
  /** Reads one local D1 database (`DB`, the directory, or `SHARD_<n>`) directly, while wrangler dev is down. */
  const d1Rows = (binding, query) => {
    const out = runStep('npx', ['wrangler', 'd1', 'execute', binding, '--local', '--persist-to', temp.dir, '--json', '--command', query], {
      timeoutMs: 60_000,
    });
    return JSON.parse(out)[0].results;
  };
  /** The shard the directory files a user under (SPEC §17): the only database holding the user's chats and messages. */
  const userShard = (userId) => {
    const [row] = d1Rows('DB', `SELECT shard FROM users WHERE id = '${userId}'`);
    assert(row && shards.includes(`SHARD_${row.shard}`), `the directory places user ${userId} on a bound shard: ${JSON.stringify(row)}`);
    return `SHARD_${row.shard}`;
  };

  try {
    await waitForHealth(baseUrl, { timeoutMs: 90_000, isAlive: alive });

    await crashCheck('kill -9 mid-reply: the user message survives, the partial reply is stored as interrupted, the chat goes on', async () => {
      const token = await api.signUp('crash');
      const { chat } = await api.json('POST', '/sessions', { token, body: { agent: 'assistant', clientInstanceId: 'tab' } });
      const response = await api.request('POST', `/chats/${chat.id}/messages`, { token, sse: true, body: { content: 'a slow answer [[slow]] [[tokens:80]]' } });
      assert(response.status === 200, `turn → ${response.status}`);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let seen = '';
      while ((seen.match(/event: delta/g) ?? []).length < 5) seen += decoder.decode((await reader.read()).value);
      assert(seen.includes('event: user_message'), 'the message was acknowledged');
      await killWrangler();
      await reader.cancel().catch(() => undefined);

      await restartWrangler();
      const next = await api.events(await api.request('POST', `/chats/${chat.id}/messages`, { token, sse: true, body: { content: 'still there?' } }));
      assert(next.at(-2)?.data?.message?.status === 'complete', `the next turn completes: ${JSON.stringify(next.slice(-3))}`);
      const { messages } = await api.json('GET', `/chats/${chat.id}/messages`, { token });
      const shape = messages.map((m) => `${m.seq}:${m.role}:${m.status}`);
      assert(shape[0] === '1:user:complete' && messages[0].content.startsWith('a slow answer'), `user message stored: ${shape}`);
      // 80 tokens at 200 ms each cannot have finished in the second before the kill.
      assert(shape[1] === '2:assistant:interrupted', `reply stored as interrupted: ${shape}`);
      assert(messages[1].content.startsWith('token1 token2'), `partial reply kept: ${messages[1].content.slice(0, 40)}`);
      assert(shape.slice(2).join() === '3:user:complete,4:assistant:complete', `the chat went on: ${shape}`);
    });

    await crashCheck(
      'kill -9 while the user message is only in the executor’s outbox: after the restart it is in D1 exactly once, and the chat goes on',
      async () => {
        const { token, userId } = await api.signUpUser('outbox');
        const { chat } = await api.json('POST', '/sessions', { token, body: { agent: 'assistant', clientInstanceId: 'tab' } });
        const content = `an answer slow to start ${crypto.randomUUID()} [[wait:${MODEL_WAIT_MS}]]`;
        const response = await api.request('POST', `/chats/${chat.id}/messages`, { token, sse: true, body: { content } });
        assert(response.status === 200, `turn → ${response.status}`);
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let seen = '';
        while (!/event: user_message\ndata: .*\n\n/.test(seen)) {
          const { done, value } = await reader.read();
          assert(!done, `the stream ended before user_message: ${seen}`);
          seen += decoder.decode(value, { stream: true });
        }
        // Inside the outbox's flush delay (250 ms), long before the model's first token.
        await new Promise((resolve) => setTimeout(resolve, KILL_AFTER_ACK_MS));
        await killWrangler();
        await reader.cancel().catch(() => undefined);
        const acknowledged = (await api.events(new Response(seen))).find((e) => e.event === 'user_message').data.message;
        assert(acknowledged.content === content, `acknowledged ${JSON.stringify(acknowledged)}`);
        // Proves the kill hit the window: no D1 has the message, only the executor's storage does. The chat
        // row (written when the session opened) shows which database is the user's: the owner's shard has it,
        // no other shard does, so an empty answer below is not an answer from the wrong database.
        const owner = userShard(userId);
        const counts = Object.fromEntries(
          shards.map((binding) => [
            binding,
            d1Rows(
              binding,
              `SELECT (SELECT count(*) FROM chats WHERE id = '${chat.id}') AS chats, (SELECT count(*) FROM chat_messages WHERE chat_id = '${chat.id}') AS messages`,
            )[0],
          ]),
        );
        for (const binding of shards) assert(counts[binding].chats === (binding === owner ? 1 : 0), `the chat is in ${owner} only: ${JSON.stringify(counts)}`);
        const before = shards.reduce((n, binding) => n + counts[binding].messages, 0);
        assert(before === 0, `the message reached D1 before the kill, so this run proves no replay: ${JSON.stringify(counts)}`);

        await restartWrangler();
        // Waking the executor (the tab reopens its session) replays the outbox; no turn does it for us.
        await api.json('POST', '/sessions', { token, body: { agent: 'assistant', chatId: chat.id, clientInstanceId: 'tab' } });
        const replayed = await api.json('GET', `/chats/${chat.id}/messages`, { token });
        const copies = replayed.messages.filter((m) => m.content === content);
        assert(
          copies.length === 1 && copies[0].id === acknowledged.id && copies[0].seq === 1,
          `in D1 once after the restart: ${JSON.stringify(replayed.messages)}`,
        );

        const next = await api.events(await api.request('POST', `/chats/${chat.id}/messages`, { token, sse: true, body: { content: 'still there?' } }));
        assert(next.at(-2)?.data?.message?.status === 'complete', `the next turn completes: ${JSON.stringify(next.slice(-3))}`);
        const { messages } = await api.json('GET', `/chats/${chat.id}/messages`, { token });
        const shape = messages.map((m) => `${m.seq}:${m.role}:${m.status}`);
        // The reply that never started leaves no message: no checkpoint is written before the first token.
        assert(shape.join() === '1:user:complete,2:user:complete,3:assistant:complete', `the chat went on: ${shape}`);
        assert(messages.filter((m) => m.content === content).length === 1, 'still exactly once');
      },
    );

    await check('model faults under parallel load end every turn cleanly, and every chat recovers', async () => {
      const faults = ['', '[[fault:500]]', '[[fault:429]]', '[[fault:cut]]', '[[fault:malformed]]', '[[fault:hang]]'];
      const users = await Promise.all(Array.from({ length: 6 }, (_, i) => api.signUp(`load${i}`)));
      await Promise.all(
        users.map(async (token, i) => {
          const { chat } = await api.json('POST', '/sessions', { token, body: { agent: 'assistant', clientInstanceId: 'tab' } });
          for (let round = 0; round < 3; round++) {
            const fault = faults[(i + round) % faults.length];
            const response = await api.request('POST', `/chats/${chat.id}/messages`, { token, sse: true, body: { content: `load ${round} ${fault}` } });
            assert(response.status === 200, `turn → ${response.status}`);
            const events = await api.events(response);
            assert(events[0].event === 'user_message' && events.at(-1).event === 'done', `turn framed: ${events.map((e) => e.event)}`);
            assert(fault === '' ? !events.some((e) => e.event === 'error') : events.some((e) => e.event === 'error'), `error iff fault (${fault})`);
          }
          const { messages } = await api.json('GET', `/chats/${chat.id}/messages`, { token });
          assert(messages.length === 6 && messages.filter((m) => m.role === 'user').length === 3, `6 messages stored, got ${messages.length}`);
        }),
      );
    });

    await check('20 parallel session opens from 5 users make one chat each', async () => {
      const users = await Promise.all(Array.from({ length: 5 }, (_, i) => api.signUp(`opens${i}`)));
      const opens = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api
            .json('POST', '/sessions', { token: users[i % 5], body: { agent: 'notes', clientInstanceId: `tab-${i}` } })
            .then((r) => ({ user: i % 5, chat: r.chat.id, session: r.session.id })),
        ),
      );
      for (let u = 0; u < 5; u++) {
        const chats = new Set(opens.filter((o) => o.user === u).map((o) => o.chat));
        assert(chats.size === 1, `user ${u} has ${chats.size} chats`);
        const { sessions } = await api.json('GET', '/sessions?agent=notes', { token: users[u] });
        assert(sessions.length === 4, `user ${u} has ${sessions.length} active sessions`);
      }
    });
  } finally {
    await wrangler.stop();
    await mock.close();
    temp.remove();
  }
}

const deadline = setTimeout(() => {
  log('the fault suite ran out of time');
  process.exit(1);
}, 600_000);
await main().catch((error) => {
  log(`harness failed: ${error?.stack ?? error}`);
  results.push({ name: 'harness', ok: false });
});
clearTimeout(deadline);
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
