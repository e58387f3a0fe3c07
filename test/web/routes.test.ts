import { describe, expect, it } from 'vitest';
import { parseRoute, paths } from '../../web/src/lib/routes';

describe('parseRoute', () => {
  it('reads every screen of the app from its path', () => {
    expect(parseRoute('/')).toEqual({ name: 'home' });
    expect(parseRoute('/login')).toEqual({ name: 'login' });
    expect(parseRoute('/assistant')).toEqual({ name: 'chat', agent: 'assistant', chatId: null });
    expect(parseRoute('/notes/c/abc-123')).toEqual({ name: 'chat', agent: 'notes', chatId: 'abc-123' });
    expect(parseRoute('/assistant/settings')).toEqual({ name: 'settings', agent: 'assistant' });
    expect(parseRoute('/tasks/t1')).toEqual({ name: 'tasks', taskId: 't1' });
    expect(parseRoute('/s/Ab-_9xYz0123456789abcd')).toEqual({ name: 'shared', shareId: 'Ab-_9xYz0123456789abcd' });
  });

  it('treats anything else as not found', () => {
    expect(parseRoute('/assistant/c/bad%00id')).toEqual({ name: 'not-found' });
    expect(parseRoute('/Assistant/x/y')).toEqual({ name: 'not-found' });
    expect(parseRoute('/%E0')).toEqual({ name: 'not-found' }); // a malformed escape, not a crash
    expect(parseRoute('/s/bad%00id')).toEqual({ name: 'not-found' });
  });

  it('builds the paths it parses', () => {
    expect(parseRoute(paths.chat('assistant', 'c1'))).toEqual({ name: 'chat', agent: 'assistant', chatId: 'c1' });
    expect(parseRoute(paths.tasks())).toEqual({ name: 'tasks', taskId: null });
    expect(parseRoute(paths.shared('sh1'))).toEqual({ name: 'shared', shareId: 'sh1' });
  });
});
