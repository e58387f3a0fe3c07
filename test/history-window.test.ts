import { describe, expect, it } from 'vitest';
import { HistoryWindow, trimToBudget } from '../src/objects/history-window';
import type { WindowMessage } from '../src/objects/history-window';

let seq = 0;
function msg(role: WindowMessage['role'], content: string, extra: Partial<WindowMessage> = {}): WindowMessage {
  seq += 1;
  return { id: `m${seq}`, seq, parentSeq: seq > 1 ? seq - 1 : null, role, content, toolCalls: null, toolCallId: null, name: null, status: 'complete', clientMessageId: null, ...extra };
}

describe('the history window', () => {
  it('keeps the newest messages up to its size', () => {
    const window = new HistoryWindow(3);
    window.load('c', [msg('user', 'a'), msg('assistant', 'b')]);
    window.append('c', msg('user', 'c'), msg('assistant', 'd'));
    expect(window.get('c')!.map((m) => m.content)).toEqual(['b', 'c', 'd']);
    window.append('unloaded', msg('user', 'x'));
    expect(window.has('unloaded')).toBe(false);
  });

  it('trims to the token budget from the newest end', () => {
    const messages = [msg('user', 'x'.repeat(400)), msg('assistant', 'y'.repeat(400)), msg('user', 'short')];
    expect(trimToBudget(messages, 120).map((m) => m.id)).toEqual([messages[1]!.id, messages[2]!.id]);
  });

  it('never splits a tool call from its results', () => {
    const call = msg('assistant', '', { toolCalls: [{ id: 't1', name: 'list_tasks', arguments: '{}' }] });
    const result = msg('tool', 'z'.repeat(300), { toolCallId: 't1', name: 'list_tasks' });
    const answer = msg('assistant', 'done');
    const trimmed = trimToBudget([msg('user', 'q'), call, result, answer], 40);
    expect(trimmed.map((m) => m.role)).toEqual(['assistant']);
    expect(trimToBudget([call, result, answer], 1000).map((m) => m.role)).toEqual(['assistant', 'tool', 'assistant']);
  });

  it('drops a tool result whose call fell out of the window', () => {
    const orphan = msg('tool', 'result', { toolCallId: 'gone' });
    expect(trimToBudget([orphan, msg('user', 'hi')], 1000).map((m) => m.role)).toEqual(['user']);
  });
});

describe('well-formed context', () => {
  it('drops a tool call whose results never came (the object died mid-tool)', () => {
    const call = msg('assistant', '', {
      toolCalls: [
        { id: 'a', name: 'list_tasks', arguments: '{}' },
        { id: 'b', name: 'recall', arguments: '{}' },
      ],
    });
    const onlyOne = msg('tool', '[]', { toolCallId: 'a' });
    const next = msg('user', 'hello?');
    expect(trimToBudget([call, onlyOne, next], 1000).map((m) => m.id)).toEqual([next.id]);
  });
});
