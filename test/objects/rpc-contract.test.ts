import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { answer } from '../../src/objects/rpc-contract';
import { ApiError } from '../../src/shared/errors';
import { ownerOf } from './harness';

describe('answer(): RPC results as data', () => {
  it('answers the body’s value', async () => {
    expect(await answer(async () => ({ chatId: 'c1' }))).toEqual({ ok: true, value: { chatId: 'c1' } });
  });

  it('turns a refusal into data with its code, message and Retry-After', async () => {
    expect(await answer(() => Promise.reject(new ApiError('busy', 'A reply is still being generated')))).toEqual({
      ok: false,
      error: { code: 'busy', message: 'A reply is still being generated', retryAfterS: undefined },
    });
    const limited = await answer(() => Promise.reject(new ApiError('rate_limited', 'Too many messages', { retryAfterS: 42 })));
    expect(limited).toMatchObject({ ok: false, error: { code: 'rate_limited', retryAfterS: 42 } });
  });

  it('lets a bug stay a bug: an unexpected error is thrown, not dressed up as a refusal', async () => {
    await expect(answer(() => Promise.reject(new TypeError('undefined is not a function')))).rejects.toThrow(TypeError);
  });
});

describe('the executor’s RPC methods', () => {
  it('carry refusals across the real RPC boundary: 410 gone for an unknown session', async () => {
    const { stub } = await ownerOf();
    const result = await stub.heartbeat('no-such-session');
    expect(result).toMatchObject({ ok: false, error: { code: 'gone', message: expect.stringMatching(/open a new one/) } });
  });

  it('carry Retry-After across with a rate_limited refusal', async () => {
    const { stub } = await ownerOf();
    const perMinute = Number(env.TURNS_PER_MINUTE);
    const oldest = Date.now() - 30_000;
    await runInDurableObject(stub, (_instance, state) => {
      for (let i = 0; i < perMinute; i++) state.storage.sql.exec('INSERT INTO accepted_turns (at) VALUES (?)', oldest + i);
    });
    // The compatibility path asks for a new chat; a full turn window refuses it first.
    const result = await stub.resolveChat(null);
    if (result.ok) throw new Error('expected the turn window to refuse');
    expect(result.error.code).toBe('rate_limited');
    expect(result.error.retryAfterS).toBeGreaterThanOrEqual(29);
    expect(result.error.retryAfterS).toBeLessThanOrEqual(31);
  });
});
