/**
 * The web client's API module against the real Worker: the DTO-typed endpoints answer what their
 * types say, and `call()` turns failures into ApiErrors the UI can act on. `fetch` is the
 * browser's part, played here by a small same-origin adapter (relative URLs, the Origin header
 * a browser sends, the session cookie kept between requests).
 */
import { exports } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, onUnauthorized } from '../../web/src/lib/api';
import { ORIGIN, uniqueEmail } from '../helpers';

const PASSWORD = 'correct horse battery';

/** A browser tab on ORIGIN: same-origin requests carry Origin and the session cookie, and Set-Cookie updates it. */
function browserTab(ip = `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`) {
  let cookie: string | null = null;
  return async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('Origin', ORIGIN);
    headers.set('CF-Connecting-IP', ip);
    if (cookie) headers.set('Cookie', cookie);
    const res = await exports.default.fetch(new Request(new URL(String(input), ORIGIN), { ...init, headers }));
    const set = res.headers.get('Set-Cookie');
    if (set) cookie = set.split(';')[0] ?? null;
    return res;
  };
}

beforeEach(() => {
  vi.stubGlobal('fetch', browserTab());
});
afterEach(() => {
  vi.unstubAllGlobals();
});

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('the typed endpoints', () => {
  it('sign up, then a chat is created, renamed, found by title, deleted (204 → undefined) and gone (404)', async () => {
    const email = uniqueEmail('client');
    const { user } = await api.auth.signup({ email, password: PASSWORD });
    expect((await api.auth.me()).user).toEqual(user);

    const { chat } = await api.chats.create('assistant');
    expect(chat).toMatchObject({ agentName: 'assistant', archived: false, lastMessage: null });
    const renamed = await api.chats.update(chat.id, { title: 'Groceries plan' });
    expect(renamed.chat.title).toBe('Groceries plan');
    const found = await api.chats.list({ agent: 'assistant', q: 'grocer' });
    expect(found.chats.map((c) => c.id)).toEqual([chat.id]);
    expect((await api.chats.messages(chat.id, { before: 1_000, limit: 5 })).messages).toEqual([]);

    expect(await api.chats.remove(chat.id)).toBeUndefined();
    const gone = await caught(api.chats.get(chat.id));
    expect([gone.status, gone.code]).toEqual([404, 'not_found']);
  });

  it("a refused input comes back as the server's 400, code and message", async () => {
    await api.auth.signup({ email: uniqueEmail('client'), password: PASSWORD });
    const { chat } = await api.chats.create('assistant');
    const error = await caught(api.chats.update(chat.id, { title: '   ' }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/empty/);
  });
});

describe('call()', () => {
  it('tells the 401 listeners when a request finds the sign-in gone, but not for answers where 401 is expected', async () => {
    const heard = vi.fn();
    const stop = onUnauthorized(heard);
    try {
      expect((await caught(api.auth.me())).status).toBe(401);
      expect((await caught(api.auth.login({ email: uniqueEmail('nobody'), password: PASSWORD }))).status).toBe(401);
      expect(heard).not.toHaveBeenCalled();
      const error = await caught(api.chats.list({ agent: 'assistant' }));
      expect([error.status, error.code]).toEqual([401, 'unauthorized']);
      expect(heard).toHaveBeenCalledTimes(1);
    } finally {
      stop();
    }
  });

  it('reads Retry-After from a rate-limited answer', async () => {
    const email = uniqueEmail('limited');
    let error: ApiError | null = null;
    for (let attempt = 0; attempt < 30 && error?.status !== 429; attempt++) error = await caught(api.auth.login({ email, password: 'wrong password' }));
    expect(error?.code).toBe('rate_limited');
    expect(error?.retryAfterS).toBeGreaterThan(0);
  });

  it('turns a request that never reached the server into a network ApiError', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    const error = await caught(api.health());
    expect([error.status, error.code]).toEqual([0, 'network']);
  });
});
