/**
 * SPEC §15: `POST /chats/import?agent=` — this app's JSON export or ChatGPT's
 * conversations.json, up to IMPORT_MAX_BYTES. Mounted inside the chats sub-app (which
 * authenticates) and exempt from the app's 64 KiB body limit, which this route replaces with
 * its own. The file is parsed and checked whole here, so a bad one writes nothing; the target
 * agent's executor writes the chats.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import type { ImportConversation } from '../../objects/chat-import';
import type { ImportResultDto } from '../../shared/api';
import { readConfig } from '../../shared/config';
import { ApiError } from '../../shared/errors';
import { parseImportFile } from '../chats/import-file';
import { executorFor, viaExecutor } from '../executor-client';
import type { HonoEnv } from '../hono-env';
import { validate } from '../validation';
import { agentName } from './params';

export const IMPORT_PATH = '/api/chats/import';

export const importQuery = z.object({ agent: agentName.default('assistant') });

/** A Durable Object RPC carries its arguments as one serialized message: keep each well under its limit. */
const RPC_PART_BYTES = 8 * 1024 * 1024;

const importBodyLimit = createMiddleware<HonoEnv>(async (c, next) => {
  const max = readConfig(c.env).importMaxBytes;
  const limit = bodyLimit({
    maxSize: max,
    onError: () => {
      throw new ApiError('payload_too_large', `Import files are limited to ${describeBytes(max)}`);
    },
  });
  return limit(c, next);
});

export const chatImportRoutes = new Hono<HonoEnv>().post('/import', validate('query', importQuery), importBodyLimit, async (c) => {
  // A file saved by some editors starts with a byte-order mark, which JSON.parse refuses.
  const conversations = parseImportFile((await c.req.text()).replace(/^\uFEFF/, ''));
  const executor = executorFor(c.env, { userId: c.get('auth').userId, agentName: c.req.valid('query').agent });
  const result: ImportResultDto = { imported: [], skipped: [] };
  for (const part of rpcParts(conversations)) {
    const done = await viaExecutor(executor.importChats(part));
    result.imported.push(...done.imported);
    result.skipped.push(...done.skipped);
  }
  return c.json(result, 201);
});

/** Conversations in RPC-sized parts, in file order (a conversation larger than a part goes alone). */
function rpcParts(conversations: ImportConversation[]): ImportConversation[][] {
  const parts: ImportConversation[][] = [];
  let part: ImportConversation[] = [];
  let bytes = 0;
  for (const c of conversations) {
    // Two bytes a character: a string with any non-Latin-1 character serializes as UTF-16.
    const size = 2 * c.messages.reduce((n, m) => n + m.content.length + (m.toolCalls ? JSON.stringify(m.toolCalls).length : 0) + 64, c.title.length + 64);
    if (part.length > 0 && bytes + size > RPC_PART_BYTES) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(c);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

function describeBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${Number(mib.toFixed(1))} MiB` : `${bytes} bytes`;
}
