// The project's own OpenAI-compatible mock model: scripted, deterministic replies streamed token
// by token, real tool calls, and fault injection through magic markers in the last user message.
// Plain Node (ESM, node: built-ins only) so dev, tests and benchmarks can start it without a build.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const MODEL_ID = 'mock-model';
const REQUEST_LOG_CAP = 500;
const SLOW_DELAY_MS = 200;
const SLOW_TOKENS = 60;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * @typedef {{ id: string, function: { name: string, arguments: string } }} ToolCall
 * @typedef {{ role: string, content?: unknown, tool_calls?: ToolCall[], tool_call_id?: string }} Message
 * @typedef {{ model?: string, messages: Message[], tools?: Array<{ function?: { name?: string } }>,
 *   stream?: boolean, stream_options?: { include_usage?: boolean } }} CompletionRequest
 * @typedef {{ clean: string, tokens?: number, delayMs?: number, waitMs?: number, fault?: string, slow: boolean, tools?: number }} Markers
 * @typedef {{ kind: 'text', text: string }
 *   | { kind: 'tool', name: string, args: Record<string, unknown>, count?: number }} Reply
 * @typedef {{ reply: Reply, body: CompletionRequest, markers: Markers, delayMs: number,
 *   id: string, callId: string, promptTokens: number }} ReplyContext
 * @typedef {import('node:http').ServerResponse} Response
 */

// ------------------------------------------------------------------------------------------------
// Reading the request

/** @param {string | null | undefined} value */
function nonNegativeNumber(value) {
  const n = Number(value);
  return value != null && value !== '' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Content may be a string or an array of parts; only the text matters. @param {unknown} content */
function textOf(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('');
}

/** @param {Message[]} messages */
function lastUserText(messages) {
  const last = messages.findLast((m) => m.role === 'user');
  return last ? textOf(last.content) : '';
}

/**
 * Markers steer the mock from tests; they are stripped so they never leak into echoed text.
 * @param {string} text
 * @returns {Markers}
 */
function parseMarkers(text) {
  /** @type {Markers} */
  const markers = { clean: '', slow: false };
  const stripped = text.replace(/\[\[(\w+)(?::([^\]]*))?\]\]/g, (_, name, value) => {
    if (name === 'tokens') markers.tokens = Math.min(nonNegativeNumber(value) ?? 0, 100_000);
    else if (name === 'delay') markers.delayMs = nonNegativeNumber(value);
    else if (name === 'wait') markers.waitMs = nonNegativeNumber(value);
    else if (name === 'fault') markers.fault = value;
    else if (name === 'slow') markers.slow = true;
    else if (name === 'tools') markers.tools = Math.min(nonNegativeNumber(value) ?? 0, 100);
    return '';
  });
  markers.clean = stripped.replace(/\s+/g, ' ').trim();
  return markers;
}

/** Roughly 4 characters per token, the same rule of thumb the app budgets with. @param {Message[]} messages */
function countPromptTokens(messages) {
  let chars = 0;
  for (const m of messages) {
    chars += textOf(m.content).length;
    for (const call of m.tool_calls ?? []) chars += (call.function?.arguments ?? '').length;
  }
  return Math.ceil(chars / 4);
}

// ------------------------------------------------------------------------------------------------
// Deciding what to say

/** "buy milk." → "buy milk" @param {string} raw */
const asPhrase = (raw) => raw.replace(/^\s*["“'‘]+|["”'’]+\s*$/g, '').replace(/[\s.!?,;:]+$/, '');

/** "buy milk." → "Buy milk" @param {string} raw */
const asTitle = (raw) => {
  const phrase = asPhrase(raw).trim();
  return phrase.charAt(0).toUpperCase() + phrase.slice(1);
};

/** @typedef {(m: RegExpMatchArray) => Record<string, unknown>} ArgsFrom */
/** @type {ArgsFrom} */ const noArgs = () => ({});
/** @type {ArgsFrom} */ const titleArg = (m) => ({ title: asTitle(m[1]) });
/** @type {ArgsFrom} */ const queryArg = (m) => ({ query: asPhrase(m[1] ?? '').trim() });
/** @type {ArgsFrom} */ const contentArg = (m) => ({ content: asPhrase(m[1]).trim() });

// Ordered: the first match wins, so "do you remember X" is tried before "remember that X".
/** @type {Array<[tool: string, pattern: RegExp, args: ArgsFrom]>} */
const TOOL_RULES = [
  ['create_task', /\bremind me to\s+(.+)/i, titleArg],
  ['create_task', /\b(?:add|create) (?:an? |new )*(?:task|todo)(?: to\b|:)?\s*(.+)/i, titleArg],
  ['create_task', /\badd\s+(.+?)\s+to\s+my\s+(?:tasks|todos|to-?do list)\b/i, titleArg],
  ['list_tasks', /\b(?:what are|list|show(?: me)?)\s+(?:all\s+)?my\s+(?:tasks|todos)\b/i, noArgs],
  ['list_tasks', /\bwhat tasks do i have\b/i, noArgs],
  ['complete_task', /\bmark\s+(?:the\s+task\s+)?(.+?)\s+as\s+(?:done|complete)/i, titleArg],
  ['complete_task', /\b(?:complete|finish)\s+(?:the\s+)?(?:task\s+)?(.+)/i, titleArg],
  ['recall', /\bwhat do you (?:remember|know)(?: about me)?\s*[?.!]*$/i, queryArg],
  ['recall', /\b(?:what do you remember about|do you remember)\s+(?:that\s+)?(.+)/i, queryArg],
  ['remember', /\bremember\s+(?:that\s+|:\s*)(.+)/i, contentArg],
  ['current_time', /\bwhat time is it\b|\bwhat(?:'s| is) the time\b|\bcurrent time\b/i, noArgs],
];

/** A real model only calls tools it was offered. @param {string} text @param {string[]} offered @returns {Reply | null} */
function detectToolCall(text, offered) {
  for (const [tool, pattern, argsFrom] of TOOL_RULES) {
    const match = offered.includes(tool) ? text.match(pattern) : null;
    if (match) return { kind: 'tool', name: tool, args: argsFrom(match) };
  }
  return null;
}

/** @param {string} text */
function parseJsonOrText(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The tools' result shapes vary ({tasks:[…]}, {memories:[…]}, a bare array), so look around. @param {any} result */
function listFrom(result) {
  if (Array.isArray(result)) return result;
  const key = ['tasks', 'memories', 'items', 'results'].find((k) => Array.isArray(result?.[k]));
  return key ? result[key] : [];
}

/** @param {any} item */
function bulletOf(item) {
  if (typeof item === 'string') return `- ${item}`;
  const label = item?.title ?? item?.content ?? item?.text ?? JSON.stringify(item);
  const done = item?.done === true || item?.completed === true || item?.status === 'done';
  return `- ${label}${done || item?.completedAt ? ' (done)' : ''}`;
}

/** @param {any} result */
function failureOf(result) {
  if (typeof result !== 'object' || result === null) return undefined;
  const error = result.error ?? (result.ok === false ? 'it failed' : undefined);
  return typeof error === 'object' ? (error?.message ?? JSON.stringify(error)) : error;
}

/** What a tool call achieved, phrased as an assistant would. @param {string} name @param {any} args @param {any} result */
function summariseToolResult(name, args, result) {
  const failure = failureOf(result);
  if (failure) return `Sorry, ${name} didn't work: ${failure}.`;
  const title = result?.task?.title ?? result?.title ?? args?.title ?? 'that';
  const list = listFrom(result).map(bulletOf).join('\n');
  switch (name) {
    case 'create_task':
      return `Done — I added “${title}” to your tasks.`;
    case 'complete_task':
      return `Nice work — I marked “${title}” as done.`;
    case 'update_task':
      return `I updated “${title}”.`;
    case 'delete_task':
      return `I deleted “${title}”.`;
    case 'list_tasks':
      return list ? `Here are your tasks:\n\n${list}` : 'You have no tasks right now.';
    case 'remember':
      return "I'll remember that.";
    case 'recall':
      return list ? `Here's what I remember:\n\n${list}` : "I don't remember anything about that yet.";
    case 'forget':
      return "Okay, I've forgotten that.";
    case 'current_time':
      return `It's currently ${typeof result === 'string' ? result : (result?.iso ?? result?.now ?? result?.time ?? JSON.stringify(result))}.`;
    default:
      return `I ran ${name} and got: ${JSON.stringify(result).slice(0, 200)}`;
  }
}

/** After a tool round the model answers in words about the results it was given. @param {Message[]} messages */
function summariseToolResults(messages) {
  let start = messages.length;
  while (start > 0 && messages[start - 1].role === 'tool') start--;
  const calls = messages[start - 1]?.tool_calls ?? [];
  const summaries = messages.slice(start).map((toolMessage) => {
    const call = calls.find((c) => c.id === toolMessage.tool_call_id);
    const args = parseJsonOrText(call?.function?.arguments ?? '{}');
    const result = parseJsonOrText(textOf(toolMessage.content));
    return summariseToolResult(call?.function?.name ?? 'the tool', args, result);
  });
  return summaries.join('\n\n');
}

/** "token1 token2 … tokenN": numbered so tests can see nothing was lost, doubled or reordered. @param {number} n */
const numberedTokens = (n) => Array.from({ length: n }, (_, i) => `token${i + 1}`).join(' ');

/** What "show markdown" answers: every kind of Markdown a reply renders, so a demo shows them all. */
const MARKDOWN_SAMPLER = [
  '## What a reply can hold',
  '',
  'Text with **bold**, *italics*, `inline code` and a [link to the Markdown guide](https://commonmark.org/help/).',
  '',
  '### Lists',
  '',
  '- a bullet',
  '- another, with a [second link](https://example.com/)',
  '',
  '1. first step',
  '2. second step',
  '',
  '### Code in two languages',
  '',
  '```ts',
  'export function greet(name: string): string {',
  '  return `Hello, ${name}!`;',
  '}',
  '```',
  '',
  '```python',
  'def greet(name: str) -> str:',
  '    return f"Hello, {name}!"',
  '```',
  '',
  '### A table',
  '',
  '| Language | Typed | Since |',
  '| --- | --- | --- |',
  '| TypeScript | yes | 2012 |',
  '| Python | optional | 1991 |',
  '',
  '> A quote, for good measure.',
].join('\n');

/** @param {string} clean @param {number | undefined} defaultTokens */
function scriptedText(clean, defaultTokens) {
  if (/\bshow (?:me )?(?:some )?markdown\b/i.test(clean)) return MARKDOWN_SAMPLER;
  if (/^(?:hi|hello|hey|howdy|greetings|good (?:morning|afternoon|evening))\b/i.test(clean)) {
    return "Hello! I'm the mock model, standing in for a real LLM. Try asking me to add a task, list your tasks, or remember something about you.";
  }
  if (defaultTokens !== undefined) return numberedTokens(defaultTokens);
  const quoted = clean.length > 80 ? `${clean.slice(0, 77)}…` : clean || '(nothing)';
  return [
    `You said: “${quoted}”. I'm a scripted mock model, so I can't really think about that, but here is what I can do:`,
    '',
    '- **Tasks** — try “add a task to buy milk” or “list my tasks”',
    '- **Memory** — try “remember that I prefer mornings”',
    '- **Time** — try “what time is it”',
    '',
    'Set `OPENAI_API_KEY` to talk to a real model.',
  ].join('\n');
}

/** @param {CompletionRequest} body @param {Markers} markers @param {number} [defaultTokens] @returns {Reply} */
function planReply(body, markers, defaultTokens) {
  const offered = (body.tools ?? []).map((t) => t?.function?.name).filter((n) => typeof n === 'string');
  if (markers.fault === 'loop' && offered.length) {
    const name = offered.includes('current_time') ? 'current_time' : offered[0];
    return { kind: 'tool', name, args: {} };
  }
  const forcedTokens = markers.tokens ?? (markers.slow ? SLOW_TOKENS : undefined);
  if (forcedTokens !== undefined) return { kind: 'text', text: numberedTokens(forcedTokens) };
  const lastRole = body.messages.at(-1)?.role;
  if (lastRole === 'tool') return { kind: 'text', text: summariseToolResults(body.messages) };
  if (markers.tools && lastRole === 'user' && offered.includes('current_time')) return { kind: 'tool', name: 'current_time', args: {}, count: markers.tools };
  const call = lastRole === 'user' ? detectToolCall(markers.clean, offered) : null;
  return call ?? { kind: 'text', text: scriptedText(markers.clean, defaultTokens) };
}

// ------------------------------------------------------------------------------------------------
// Chat titles (SPEC §4.7)

/** The app asks for a chat's title with this system prompt (src/objects/chat-title.ts, TITLE_PROMPT). */
const TITLE_PROMPT_START = 'Write a title of 3 to 6 words';
const TITLE_WORDS = 6;

/** @param {CompletionRequest} body */
const isTitleRequest = (body) => body.messages.some((m) => m.role === 'system' && textOf(m.content).startsWith(TITLE_PROMPT_START));

/** Words a title should not end on. */
const TRAILING_FILLER = /^(?:a|an|the|to|of|and|or|for|in|on|at|with|my|your|about|is|are)$/i;

/**
 * A deterministic title: the first words of the user's first message, markers stripped, as a
 * title ("plan a quiet weekend in Porto with friends" → "Plan a quiet weekend in Porto").
 * @param {CompletionRequest} body
 */
function titleFor(body) {
  const transcript = lastUserText(body.messages);
  const asked = /^User: ([\s\S]*?)(?:\n\nAssistant: |$)/.exec(transcript)?.[1] ?? transcript;
  const words = parseMarkers(asked).clean.split(/[\s]+/).filter(Boolean).slice(0, TITLE_WORDS);
  // A title does not end mid-phrase: "Add a task to water the" → "Add a task to water".
  while (words.length > 2 && TRAILING_FILLER.test(words.at(-1))) words.pop();
  return asTitle(words.join(' ')) || 'A quick chat';
}

/** Word-sized tokens keeping their leading whitespace, so joining them gives back the text. @param {string} text */
const tokenize = (text) => text.match(/\s*\S+/g) ?? [];

/** Real models send tool arguments in fragments; clients must concatenate before parsing. @param {Reply} reply */
const argumentPieces = (reply) => (reply.kind === 'tool' ? (JSON.stringify(reply.args).match(/[\s\S]{1,8}/g) ?? []) : []);

// ------------------------------------------------------------------------------------------------
// Writing the response

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** True once the client hung up (or we finished): writing now would only throw. @param {Response} res */
const isGone = (res) => res.destroyed || res.writableEnded;

/** @param {Response} res @param {number} status @param {unknown} payload @param {Record<string, string>} [headers] */
function sendJson(res, status, payload, headers = {}) {
  if (isGone(res)) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(payload));
}

/**
 * The OpenAI error envelope, so the SDK raises the matching APIError subclass.
 * @param {Response} res @param {number} status @param {string} message @param {string} type
 * @param {string} code @param {Record<string, string>} [headers]
 */
function sendError(res, status, message, type, code, headers) {
  sendJson(res, status, { error: { message, type, param: null, code } }, headers);
}

/** @param {import('node:http').IncomingMessage} req @returns {Promise<string>} */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** @param {number} prompt @param {number} completion */
const usageOf = (prompt, completion) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

/** @param {Response} res @param {ReplyContext} ctx */
async function streamCompletion(res, { reply, body, markers, delayMs, id, callId, promptTokens }) {
  const includeUsage = body.stream_options?.include_usage === true;
  const created = Math.floor(Date.now() / 1000);
  const base = { id, object: 'chat.completion.chunk', created, model: body.model ?? MODEL_ID };
  // Like the real API: with include_usage every chunk carries `usage: null` until the last one.
  const chunk = (/** @type {object} */ delta, /** @type {string | null} */ finish = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const send = (/** @type {object | string} */ data) => isGone(res) || res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders(); // headers now, so the client's time-to-first-byte is not our first token

  const isText = reply.kind === 'text';
  const tokens = isText ? tokenize(reply.text) : argumentPieces(reply);
  send(chunk({ role: 'assistant', content: isText ? '' : null, refusal: null }));
  if (reply.kind === 'tool') {
    const fn = { name: reply.name, arguments: '' };
    send(chunk({ tool_calls: [{ index: 0, id: callId, type: 'function', function: fn }] }));
  }

  const stopAfter = { cut: Math.ceil(tokens.length / 2), malformed: 3 }[markers.fault ?? ''];
  for (const [i, token] of tokens.entries()) {
    if (i === stopAfter) break;
    if (delayMs > 0) await sleep(delayMs);
    if (isGone(res)) return; // the client went away: stop quietly
    const arg = { index: 0, function: { arguments: token } };
    send(chunk(isText ? { content: token } : { tool_calls: [arg] }));
  }

  if (markers.fault === 'malformed') {
    send('{this is not json');
    return void (isGone(res) || res.end());
  }
  // Abrupt on purpose: no finish_reason, no [DONE], not even the chunked-encoding terminator.
  if (markers.fault === 'cut') return void res.socket?.destroy();

  // [[tools:N]]: the calls after the first, one whole call per chunk.
  for (let i = 1; i < (reply.kind === 'tool' ? (reply.count ?? 1) : 1); i++) {
    const fn = { name: reply.name, arguments: JSON.stringify(reply.args) };
    send(chunk({ tool_calls: [{ index: i, id: `${callId}_${i}`, type: 'function', function: fn }] }));
  }
  send(chunk({}, isText ? 'stop' : 'tool_calls'));
  if (includeUsage) send({ ...base, choices: [], usage: usageOf(promptTokens, tokens.length) });
  send('[DONE]');
  if (!isGone(res)) res.end();
}

/** @param {Response} res @param {ReplyContext} ctx */
async function sendCompletion(res, { reply, body, markers, delayMs, id, callId, promptTokens }) {
  const isText = reply.kind === 'text';
  const count = isText ? tokenize(reply.text).length : argumentPieces(reply).length;
  if (delayMs > 0) await sleep(delayMs * count); // as long as streaming the same reply would take
  if (isGone(res)) return;
  /** @type {Record<string, unknown>} */
  const message = { role: 'assistant', content: isText ? reply.text : null, refusal: null };
  if (reply.kind === 'tool') {
    const fn = { name: reply.name, arguments: JSON.stringify(reply.args) };
    message.tool_calls = Array.from({ length: reply.count ?? 1 }, (_, i) => ({ id: i ? `${callId}_${i}` : callId, type: 'function', function: fn }));
  }
  const finish_reason = isText ? 'stop' : 'tool_calls';
  const choice = { index: 0, message, logprobs: null, finish_reason };
  const created = Math.floor(Date.now() / 1000);
  const payload = JSON.stringify({
    ...{ id, object: 'chat.completion', created, model: body.model ?? MODEL_ID },
    ...{ choices: [choice], usage: usageOf(promptTokens, count) },
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  if (markers.fault === 'malformed') return void res.end('{this is not json');
  if (markers.fault === 'cut') {
    res.write(payload.slice(0, payload.length / 2));
    return void res.socket?.destroy();
  }
  res.end(payload);
}

// ------------------------------------------------------------------------------------------------
// The server

/**
 * Start the mock model on loopback.
 * @param {{ port?: number, host?: string, tokenDelayMs?: number, defaultTokens?: number }} [options]
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void>, requests: CompletionRequest[], titleRequests: CompletionRequest[] }>}
 */
export async function startMockModel(options = {}) {
  const { port = 0, host = '127.0.0.1', tokenDelayMs, defaultTokens } = options;
  const baseDelayMs = tokenDelayMs ?? nonNegativeNumber(process.env.MOCK_TOKEN_DELAY_MS) ?? 5;
  const fallbackTokens = defaultTokens ?? nonNegativeNumber(process.env.MOCK_TOKENS);
  /** Bodies exactly as sent, so tests can deep-compare them. @type {CompletionRequest[]} */
  const requests = [];
  /** Receive times live beside the bodies rather than inside them. @type {WeakMap<object, number>} */
  const receivedAt = new WeakMap();
  /** The HTTP status each request was answered with (none yet for a hang), so tests see a fault happened. @type {WeakMap<object, number>} */
  const answeredWith = new WeakMap();
  /** Title requests, kept apart so a test counting a turn's requests by its marker never sees them. @type {CompletionRequest[]} */
  const titleRequests = [];
  /** How often each last-user-message text has failed by [[fault:500-once]] / [[fault:500xN]]. @type {Map<string, number>} */
  const failures = new Map();
  let replyCount = 0;

  /** @param {CompletionRequest} body */
  function record(body) {
    receivedAt.set(body, Date.now());
    requests.push(body);
    if (requests.length > REQUEST_LOG_CAP) requests.splice(0, requests.length - REQUEST_LOG_CAP);
  }

  /** @param {import('node:http').IncomingMessage} req @param {Response} res */
  async function handleCompletion(req, res) {
    /** @type {CompletionRequest} */
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      const message = 'We could not parse the JSON body of your request.';
      return sendError(res, 400, message, 'invalid_request_error', 'invalid_json');
    }
    if (!Array.isArray(body?.messages)) {
      const message = "'messages' is a required array.";
      return sendError(res, 400, message, 'invalid_request_error', 'invalid_request');
    }
    if (isTitleRequest(body)) return answerTitle(body, res);
    record(body);

    const userText = lastUserText(body.messages);
    const markers = parseMarkers(userText);
    // A model slow to start: nothing at all (not even headers) until the wait is over.
    if (markers.waitMs) {
      await sleep(markers.waitMs);
      if (isGone(res)) return;
    }
    const fault = markers.fault;
    // 500-once fails the first request for this text, 500xN the first N (beating the SDK's
    // retries); after-tool-500xN does the same only for requests that carry a tool result.
    const afterTool = fault?.startsWith('after-tool-') ?? false;
    const counted = afterTool ? fault.slice('after-tool-'.length) : fault;
    const failTimes = counted === '500-once' ? 1 : /^500x(\d+)$/.exec(counted ?? '')?.[1];
    const failedSoFar = failures.get(userText) ?? 0;
    const applies = !afterTool || body.messages.at(-1)?.role === 'tool';
    if (fault === '500' || (applies && failTimes !== undefined && failedSoFar < Number(failTimes))) {
      failures.set(userText, failedSoFar + 1);
      const message = `The mock model failed on purpose ([[fault:${fault}]]).`;
      answeredWith.set(body, 500);
      return sendError(res, 500, message, 'server_error', 'mock_fault');
    }
    if (fault === '429') {
      const message = 'Rate limit reached on purpose ([[fault:429]]).';
      const headers = { 'retry-after': '1' };
      answeredWith.set(body, 429);
      return sendError(res, 429, message, 'rate_limit_error', 'rate_limit_exceeded', headers);
    }
    if (fault === 'hang') return; // never answer; close() destroys the socket so nothing lingers

    replyCount += 1;
    /** @type {ReplyContext} */
    const ctx = {
      reply: planReply(body, markers, fallbackTokens),
      body,
      markers,
      delayMs: markers.slow ? SLOW_DELAY_MS : (markers.delayMs ?? baseDelayMs),
      id: `chatcmpl-mock-${replyCount}`,
      callId: `call_mock_${replyCount}`,
      promptTokens: countPromptTokens(body.messages),
    };
    answeredWith.set(body, 200);
    return body.stream ? streamCompletion(res, ctx) : sendCompletion(res, ctx);
  }

  /**
   * A title request, answered whatever markers the chat's first message holds — except
   * [[fault:title]] (answered 500) and [[titlewait:MS]] (answered after MS), which steer it.
   * @param {CompletionRequest} body @param {Response} res
   */
  async function answerTitle(body, res) {
    receivedAt.set(body, Date.now());
    titleRequests.push(body);
    if (titleRequests.length > REQUEST_LOG_CAP) titleRequests.splice(0, titleRequests.length - REQUEST_LOG_CAP);
    const text = lastUserText(body.messages);
    const wait = nonNegativeNumber(/\[\[titlewait:(\d+)\]\]/.exec(text)?.[1]);
    if (wait) await sleep(wait);
    if (isGone(res)) return;
    if (text.includes('[[fault:title]]')) {
      answeredWith.set(body, 500);
      return sendError(res, 500, 'The mock model failed on purpose ([[fault:title]]).', 'server_error', 'mock_fault');
    }
    replyCount += 1;
    const reply = /** @type {Reply} */ ({ kind: 'text', text: titleFor(body) });
    const ctx = { reply, body, markers: { clean: '', slow: false }, delayMs: 0, id: `chatcmpl-mock-${replyCount}`, callId: '', promptTokens: countPromptTokens(body.messages) };
    answeredWith.set(body, 200);
    return body.stream ? streamCompletion(res, ctx) : sendCompletion(res, ctx);
  }

  /** @param {CompletionRequest[]} log @param {URL} url @param {Response} res */
  function sendLog(log, url, res) {
    const needle = url.searchParams.get('contains');
    const found = log.filter((b) => !needle || JSON.stringify(b).includes(needle));
    const times = found.map((b) => receivedAt.get(b));
    const statuses = found.map((b) => answeredWith.get(b) ?? null);
    return sendJson(res, 200, { requests: found, receivedAt: times, statuses });
  }

  /** @param {import('node:http').IncomingMessage} req @param {Response} res */
  async function handleRequest(req, res) {
    const url = new URL(req.url ?? '/', 'http://mock');
    switch (`${req.method} ${url.pathname.replace(/\/+$/, '')}`) {
      case 'POST /v1/chat/completions':
        return handleCompletion(req, res);
      case 'GET /v1/models': {
        const model = { id: MODEL_ID, object: 'model', created: 0, owned_by: 'clarity-edge' };
        return sendJson(res, 200, { object: 'list', data: [model] });
      }
      case 'GET /__requests':
        return sendLog(requests, url, res);
      case 'GET /__titles':
        return sendLog(titleRequests, url, res);
      case 'DELETE /__requests':
        requests.length = 0; // in place, so the array handed to the caller stays live
        titleRequests.length = 0;
        return sendJson(res, 200, { ok: true });
      case 'GET /__health':
        return sendJson(res, 200, { ok: true });
      default: {
        const message = `Invalid URL (${req.method} ${url.pathname})`;
        return sendError(res, 404, message, 'invalid_request_error', 'not_found');
      }
    }
  }

  const server = createServer((req, res) => {
    // A client hanging up mid-request must never crash the process with an unhandled 'error'.
    req.on('error', () => {});
    res.on('error', () => {});
    handleRequest(req, res).catch((/** @type {any} */ error) => {
      if (res.headersSent) return void res.destroy();
      sendError(res, 500, `Mock model bug: ${error?.message}`, 'server_error', 'mock_bug');
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const actualPort = /** @type {import('node:net').AddressInfo} */ (server.address()).port;

  return {
    url: `http://${host}:${actualPort}/v1`,
    port: actualPort,
    requests,
    titleRequests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Hung and keep-alive connections would otherwise hold close() (and the process) open.
        server.closeAllConnections();
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = nonNegativeNumber(process.env.MOCK_MODEL_PORT) ?? 8790;
  const { url } = await startMockModel({ port });
  console.log(`mock model listening on ${url}`);
}
