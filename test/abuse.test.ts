/**
 * The abuse suite: hundreds of malformed requests generated from each route's own zod schema
 * (only inputs the schema rejects), across every route. Each must answer its one exact 4xx
 * (400 for what the schema rejects, 404 for a well-formed id that names nothing) in the error
 * shape, and none may write a row.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { instructionsBody, memoryCreateBody } from '../src/worker/routes/agents';
import { credentialsBody } from '../src/worker/routes/auth';
import { chatCreateBody, chatListQuery, chatPatchBody, exportQuery, messagesQuery } from '../src/worker/routes/chats';
import { sessionListQuery, sessionOpenBody } from '../src/worker/routes/sessions';
import { taskCreateBody, taskListQuery, taskPatchBody } from '../src/worker/routes/tasks';
import { compatChatBody, turnSendBody } from '../src/worker/routes/turns';
import type { ErrorCode } from '../src/shared/errors';
import { idSchema } from '../src/shared/schemas';
import { call, d1Writes, expectStatus, installWriteCounter, openSession, signUp } from './helpers';
import type { Caller } from './helpers';

const RUNS_PER_ROUTE = 16;
const SEED = 20261125;

/** Values of every wrong shape a client could send for a field. */
const wrongValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 4 }),
  fc.constantFrom('', '   ', '\u0000', 'tab\u0007bell', 'x'.repeat(20_000), '<script>alert(1)</script>', '../../etc/passwd', 'nobody'),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
);

function fieldsOf(schema: z.ZodType): string[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown> };
  return Object.keys(json.properties ?? {});
}

/** Bodies the schema rejects: wrong-typed fields, strangers, and arbitrary JSON. */
function badBodies(schema: z.ZodType): fc.Arbitrary<unknown> {
  const fields = fieldsOf(schema);
  const mutated = fc.record(Object.fromEntries(fields.map((f) => [f, wrongValue])), { requiredKeys: [] });
  const withStranger = fc.tuple(mutated, fc.string({ minLength: 1, maxLength: 8 }), wrongValue).map(([body, key, value]) => ({ ...body, [`x_${key}`]: value }));
  return fc.oneof(mutated, withStranger, fc.jsonValue({ maxDepth: 2 })).filter((body) => !schema.safeParse(body).success);
}

/** Query strings the schema rejects. */
function badQueries(schema: z.ZodType): fc.Arbitrary<string> {
  const fields = fieldsOf(schema);
  const value = fc.oneof(fc.constantFrom('-1', '0', '1e309', 'NaN', 'abc', '%00', 'x'.repeat(300), 'true', '201', '\u0001'), fc.string({ maxLength: 6 }));
  return fc
    .record(Object.fromEntries(fields.map((f) => [f, value])), { requiredKeys: [] })
    .filter((query) => !schema.safeParse(query).success)
    .map((query) => new URLSearchParams(query as Record<string, string>).toString());
}

/**
 * Path segments in the place of an id: malformed ones, and well-formed ids of nothing (another
 * user's would look the same). `.` and `..` are left out, as the URL resolves them away.
 */
const badIds = fc.oneof(
  fc.constantFrom('%00', 'a%0Ab', 'x'.repeat(100), '..%2F..', '%F0%9F%92%A9', 'null', "1'%20OR%201=1"),
  fc.uuid(),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  fc
    .string({ minLength: 1, maxLength: 10 })
    .map(encodeURIComponent)
    .filter((id) => id !== '.' && id !== '..'),
);

/** What a well-behaved API answers an id that names nothing of the caller's: 400 if it is no id at all. */
const idStatus = (encoded: string) => (idSchema.safeParse(decodeURIComponent(encoded)).success ? 404 : 400);

const CODE_OF_STATUS: Record<number, ErrorCode> = { 400: 'bad_request', 404: 'not_found' };

async function expectClientError(response: Response, label: string, status: 400 | 404) {
  const text = await response.text();
  expect(response.status, `${label} → ${response.status} ${text.slice(0, 200)}`).toBe(status);
  expect(JSON.parse(text).error, label).toEqual({ code: CODE_OF_STATUS[status], message: expect.any(String) });
}

describe('malformed requests across every route', () => {
  it('answer their exact 4xx, never 5xx, and never write a row', async () => {
    const caller = await signUp();
    const { chat, session } = await openSession(caller, { clientInstanceId: 'tab' });
    const { task } = await expectStatus(201, 'POST', '/tasks', { caller, body: { title: 'mine' } });
    await installWriteCounter();
    let sent = 0;
    const answered = { 400: 0, 404: 0 };
    const send = async (method: string, path: string, options: Parameters<typeof call>[2], status: 400 | 404 = 400) => {
      sent += 1;
      answered[status] += 1;
      await expectClientError(await call(method, path, options), `${method} ${path}`, status);
    };

    const bodyRoutes: [string, string, z.ZodType, Caller | undefined][] = [
      ['POST', '/auth/signup', credentialsBody, undefined],
      ['POST', '/auth/login', credentialsBody, undefined],
      ['POST', '/tasks', taskCreateBody, caller],
      ['PATCH', `/tasks/${task.id}`, taskPatchBody, caller],
      ['POST', '/chats', chatCreateBody, caller],
      ['PATCH', `/chats/${chat.id}`, chatPatchBody, caller],
      ['POST', `/chats/${chat.id}/messages`, turnSendBody, caller],
      ['POST', '/sessions', sessionOpenBody, caller],
      ['PUT', '/agents/assistant/instructions', instructionsBody, caller],
      ['POST', '/agents/assistant/memories', memoryCreateBody, caller],
      ['POST', '/chat', compatChatBody, caller],
    ];
    for (const [method, path, schema, who] of bodyRoutes) {
      await fc.assert(
        fc.asyncProperty(badBodies(schema), async (body) => send(method, path, { caller: who, body })),
        { numRuns: RUNS_PER_ROUTE, seed: SEED },
      );
    }

    const queryRoutes: [string, z.ZodType][] = [
      ['/tasks', taskListQuery],
      ['/chats', chatListQuery],
      [`/chats/${chat.id}/messages`, messagesQuery],
      [`/chats/${chat.id}/export`, exportQuery],
      ['/sessions', sessionListQuery],
    ];
    for (const [path, schema] of queryRoutes) {
      await fc.assert(
        fc.asyncProperty(badQueries(schema), async (query) => send('GET', `${path}?${query}`, { caller })),
        { numRuns: RUNS_PER_ROUTE, seed: SEED },
      );
    }

    const idRoutes: [string, (id: string) => string][] = [
      ['GET', (id) => `/tasks/${id}`],
      ['DELETE', (id) => `/tasks/${id}`],
      ['DELETE', (id) => `/chats/${id}`],
      ['GET', (id) => `/chats/${id}/messages`],
      ['POST', (id) => `/chats/${id}/stop`],
      ['POST', (id) => `/sessions/${id}/heartbeat`],
      ['DELETE', (id) => `/sessions/${id}`],
      ['DELETE', (id) => `/agents/assistant/memories/${id}`],
    ];
    for (const [method, path] of idRoutes) {
      await fc.assert(
        fc.asyncProperty(badIds, async (id) => send(method, path(id), { caller }, idStatus(id))),
        { numRuns: 12, seed: SEED },
      );
    }

    const rawBodies = ['{"title": ', '[1,2', 'null', '"just a string"', '{"title":"a"}{"title":"b"}', '\u0000', 'title=a&notes=b'];
    for (const rawBody of rawBodies) {
      for (const contentType of ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
        await send('POST', '/tasks', { caller, rawBody, headers: { 'Content-Type': contentType } });
      }
    }

    expect(sent).toBeGreaterThanOrEqual(200);
    // The id cases reached both answers: ids the schema refuses, and well-formed ids of nothing.
    expect(answered[404]).toBeGreaterThan(10);
    expect(answered[400]).toBeGreaterThan(200);
    expect(await d1Writes()).toBe(0);
    // The session the requests rode on is untouched and still works.
    await expectStatus(204, 'POST', `/sessions/${session.id}/heartbeat`, { caller });
  });
});
