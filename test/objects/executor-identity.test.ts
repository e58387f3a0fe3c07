import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { executorIdentity } from '../../src/objects/executor-identity';
import { openSession, sessionRow } from '../helpers';
import { ownerOf } from './harness';

/** The object's real state, seen through an id with `name` — as the runtime may hand it over. */
function withName(state: DurableObjectState, name: string | undefined): DurableObjectState {
  const id = new Proxy(state.id, { get: (target, property) => (property === 'name' ? name : Reflect.get(target, property)) });
  return new Proxy(state, { get: (target, property) => (property === 'id' ? id : Reflect.get(target, property)) });
}

describe('executor identity', () => {
  it('takes the owner from the object’s own name and keeps that name in its storage', async () => {
    const { owner } = await ownerOf();
    const stub = env.AGENT_EXECUTOR.getByName(`${owner.userId}:notes`);
    const seen = await runInDurableObject(stub, (_instance, state) => ({
      owner: executorIdentity(state),
      stored: state.storage.kv.get('executor-name'),
    }));
    expect(seen).toEqual({ owner: { userId: owner.userId, agentName: 'notes' }, stored: `${owner.userId}:notes` });
  });

  it('falls back to the stored name when woken with a nameless id (an alarm after eviction, workerd#6850)', async () => {
    const { owner, stub } = await ownerOf();
    const identity = await runInDurableObject(stub, (_instance, state) => executorIdentity(withName(state, undefined)));
    expect(identity).toEqual(owner);
  });

  it('refuses to run nameless when it never learned its name', async () => {
    const { owner, stub } = await ownerOf();
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.kv.delete('executor-name');
      expect(() => executorIdentity(withName(state, undefined))).toThrow(/no name/);
      // The real name is learned again the next time the object is reached by name.
      expect(executorIdentity(state)).toEqual(owner);
    });
  });

  it('refuses a changed name: one object, one owner, ever', async () => {
    const { owner, stub } = await ownerOf();
    await runInDurableObject(stub, (_instance, state) => {
      expect(() => executorIdentity(withName(state, 'someone-else:assistant'))).toThrow(/changed/);
      expect(state.storage.kv.get('executor-name')).toBe(`${owner.userId}:assistant`);
    });
  });

  it('refuses a name that is not an executor name', async () => {
    const { stub } = await ownerOf();
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.kv.delete('executor-name');
      expect(() => executorIdentity(withName(state, 'not-an-executor'))).toThrow(/not an executor name/);
    });
  });

  it('knows whose sessions it expires in an alarm that runs after an eviction', async () => {
    const { caller, stub } = await ownerOf();
    const { session } = await openSession(caller, { clientInstanceId: 'tab' });
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec('UPDATE live_sessions SET last_beat_at = ? WHERE id = ?', Date.now() - Number(env.SESSION_TTL_S) * 1000 - 1000, session.id);
    });
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await sessionRow(session.id)).toMatchObject({ is_active: 0, end_reason: 'expired' });
  });
});
