import { describe, expect, it } from 'vitest';
import { TurnClaims } from '../../src/objects/turn-claims';
import { call, expectError, expectStatus, signUp } from '../helpers';
import { newChat, readUntilDeltas, sendStreaming, storedMessages } from '../turn-helpers';

/** Whether `promise` has settled once everything already queued has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  return done;
}

describe('turn claims', () => {
  it('makes a claimed chat visibly busy to a second sender, and only that chat', () => {
    const claims = new TurnClaims();
    const { active } = claims.claim('chat-a');
    expect(claims.isBusy('chat-a')).toBe(true);
    expect(claims.get('chat-a')).toBe(active);
    expect(claims.isBusy('chat-b')).toBe(false);
    expect(claims.size).toBe(1);
  });

  it('frees the chat on release; a second release, or a stale one after a new claim, frees nothing more', () => {
    const claims = new TurnClaims();
    const first = claims.claim('chat');
    first.release();
    expect(claims.isBusy('chat')).toBe(false);
    first.release();

    const second = claims.claim('chat');
    first.release(); // the first turn's late cleanup must not free the second turn's claim
    expect(claims.isBusy('chat')).toBe(true);
    expect(claims.get('chat')).toBe(second.active);
    second.release();
    expect(claims.size).toBe(0);
  });

  it('abort signals the generation and answers only once it has settled', async () => {
    const claims = new TurnClaims();
    const { active, release } = claims.claim('chat');
    const aborting = claims.abort('chat');
    expect(active.controller.signal.aborted).toBe(true);
    expect(await settled(aborting)).toBe(false); // the partial reply is not stored yet
    release();
    expect(await settled(aborting)).toBe(true);
    expect(claims.isBusy('chat')).toBe(false);
  });

  it('abort of a free chat answers at once', async () => {
    expect(await settled(new TurnClaims().abort('idle'))).toBe(true);
  });

  it('abortAll also stops a turn that claimed the chat while the first was being aborted', async () => {
    const claims = new TurnClaims();
    const first = claims.claim('chat');
    let second: ReturnType<TurnClaims['claim']> | undefined;
    first.active.controller.signal.addEventListener('abort', () => {
      // The queued turn takes the chat the moment the first one lets go.
      queueMicrotask(() => {
        first.release();
        second = claims.claim('chat');
        second.active.controller.signal.addEventListener('abort', () => queueMicrotask(() => second!.release()));
      });
    });
    await claims.abortAll('chat');
    expect(second?.active.controller.signal.aborted).toBe(true);
    expect(claims.isBusy('chat')).toBe(false);
  });

  it('knows which reply a live generation is still writing', () => {
    const claims = new TurnClaims();
    const { active, release } = claims.claim('chat');
    active.progress.messageId = 'reply-1';
    expect(claims.isStreaming('chat', 'reply-1')).toBe(true);
    expect(claims.isStreaming('chat', 'reply-0')).toBe(false);
    release();
    expect(claims.isStreaming('chat', 'reply-1')).toBe(false);
  });
});

describe('turn claims in the executor', () => {
  it('answers 409 busy to a second send while a reply streams; stop keeps the partial reply as interrupted', async () => {
    const caller = await signUp();
    const chatId = await newChat(caller);
    const streaming = await readUntilDeltas(await sendStreaming(caller, chatId, 'tell me a long story [[slow]]'), 1);

    await expectError(await call('POST', `/chats/${chatId}/messages`, { caller, body: { content: 'and another' } }), 409, 'busy');
    await expectStatus(204, 'POST', `/chats/${chatId}/stop`, { caller });
    // Read at once, no polling: stop answers after the generation settled (the unit test above
    // proves the wait; locally D1 is quick enough that this read alone would not).
    const stored = await storedMessages(chatId);
    expect(stored.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'interrupted'],
    ]);
    const events = await streaming.finish();
    expect(events.at(-1)!.event).toBe('done');
  });
});
