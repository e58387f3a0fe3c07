/**
 * SPEC §17: adding a shard moves no one. This project's Worker has SHARD_2 bound; the users of
 * "before" are signed up through the same Worker with SHARD_2 hidden (N = 2), as they would have
 * been before the deploy that added it. Afterwards (N = 3) they keep working on their own shard,
 * and new users fill the new one first.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/worker/index';
import { expectStatus, signUp, uniqueEmail } from '../helpers';
import type { Caller } from '../helpers';
import { shardBindingsOf, shardIndexOf } from '../shard-helpers';
import { newChat, streamTurn } from '../turn-helpers';

const { SHARD_2: _added, ...beforeTheDeploy } = env as unknown as Record<string, unknown>;

/** Signs up through the Worker as deployed before SHARD_2 existed. */
async function signUpBefore(): Promise<Caller> {
  const email = uniqueEmail('early');
  const request = new Request('http://localhost/api/auth/signup', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': '10.9.9.9' },
    body: JSON.stringify({ email, password: 'correct horse battery' }),
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, beforeTheDeploy as unknown as Env, ctx);
  await waitOnExecutionContext(ctx);
  expect(response.status).toBe(201);
  const body = await response.json<{ user: { id: string }; token: string }>();
  return { userId: body.user.id, email, token: body.token, ip: '10.9.9.9' };
}

const messagesIn = async (shard: number, userId: string) =>
  (await shardBindingsOf(env)[shard]!.prepare('SELECT count(*) AS n FROM chat_messages m JOIN chats c ON c.id = m.chat_id WHERE c.user_id = ?').bind(userId).first<{ n: number }>())!.n;

describe('a third shard added to a running deployment', () => {
  it('keeps every earlier user where they were, working; new users fill the new shard first', async () => {
    expect(shardBindingsOf(env)).toHaveLength(3);
    const early = [await signUpBefore(), await signUpBefore(), await signUpBefore(), await signUpBefore()];
    const earlyShards = await Promise.all(early.map((u) => shardIndexOf(u.userId)));
    expect([...earlyShards].sort()).toEqual([0, 0, 1, 1]);

    // After the deploy (N = 3): the early users chat as before, on the shard they were given.
    for (const caller of early) {
      const chatId = await newChat(caller);
      const events = await streamTurn(caller, chatId, 'still here? [[tokens:2]]');
      expect(events.map((e) => e.event)).toContain('done');
      const home = await shardIndexOf(caller.userId);
      expect(await messagesIn(home, caller.userId)).toBe(2);
      expect(await messagesIn(2, caller.userId)).toBe(0);
    }

    // The emptiest shard takes each new user: the new one until it has caught up.
    const late = [await signUp('late'), await signUp('late')];
    expect(await Promise.all(late.map((u) => shardIndexOf(u.userId)))).toEqual([2, 2]);
    const chatId = await newChat(late[0]!);
    await streamTurn(late[0]!, chatId, 'first on the new shard [[tokens:2]]');
    expect(await messagesIn(2, late[0]!.userId)).toBe(2);
    expect(await expectStatus(200, 'GET', '/chats?agent=assistant', { caller: late[0]! })).toMatchObject({ chats: [{ id: chatId }] });
    // Nobody moved.
    expect(await Promise.all(early.map((u) => shardIndexOf(u.userId)))).toEqual(earlyShards);
  });
});
