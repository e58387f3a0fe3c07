import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { expectStatus, signUp } from './helpers';
import { marker, modelRequests, newChat, streamTurn } from './turn-helpers';

const MEMORY_LIMIT = Number(env.MEMORY_LIMIT);
const MEMORY_PROMPT_LIMIT = Number(env.MEMORY_PROMPT_LIMIT);

/** The memory lines of a system prompt, in the order the model reads them. */
const memoryLines = (system: string) => system.split('\n').filter((line) => line.startsWith('- fact '));

describe('memories in the system prompt', () => {
  it('carries exactly MEMORY_PROMPT_LIMIT memories, the newest ones, oldest first', async () => {
    // Otherwise every stored memory would fit, and the limit could not show.
    expect(MEMORY_PROMPT_LIMIT).toBeLessThan(MEMORY_LIMIT);
    const caller = await signUp();
    for (let i = 0; i < MEMORY_LIMIT; i++) await expectStatus(201, 'POST', '/agents/assistant/memories', { caller, body: { content: `fact ${i}` } });
    const chatId = await newChat(caller);
    const tag = marker();
    await streamTurn(caller, chatId, `what do you know ${tag}`);

    const [request] = await modelRequests(tag);
    const system = request.messages[0];
    expect(system.role).toBe('system');
    const newest = Array.from({ length: MEMORY_PROMPT_LIMIT }, (_, i) => `- fact ${MEMORY_LIMIT - MEMORY_PROMPT_LIMIT + i}`);
    expect(memoryLines(system.content)).toEqual(newest);
  });
});
