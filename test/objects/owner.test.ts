import { describe, expect, it } from 'vitest';
import { executorName, parseExecutorName } from '../../src/shared/owner';

describe('executor names', () => {
  it('name an executor `${userId}:${agentName}` and read the owner back', () => {
    const name = executorName({ userId: 'u-123', agentName: 'notes' });
    expect(name).toBe('u-123:notes');
    expect(parseExecutorName(name)).toEqual({ userId: 'u-123', agentName: 'notes' });
  });

  it('keep a user id that itself contains colons (a JWT subject may)', () => {
    const owner = { userId: 'auth0|abc:def:ghi', agentName: 'assistant' as const };
    expect(parseExecutorName(executorName(owner))).toEqual(owner);
  });

  it('refuse names this app never builds', () => {
    for (const name of ['', 'no-colon', ':assistant', 'user:', 'user:unknown-agent', 'user:Assistant', 'user:assistant ']) {
      expect(parseExecutorName(name), name).toBeNull();
    }
  });
});
