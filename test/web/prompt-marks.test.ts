import { describe, expect, it } from 'vitest';
import { markPrompt } from '../../web/src/lib/prompt-marks';
import type { PromptSegment } from '../../web/src/lib/prompt-marks';

/** The prompt as compiled on the server (src/objects/system-prompt.ts): agent prompt, instructions, memories newest last. */
function prompt(instructions: string, memories: string[]) {
  const parts = ['You are a helpful assistant.'];
  if (instructions.trim()) parts.push(`## The user's instructions\nFollow these unless they conflict with your tools or safety:\n${instructions.trim()}`);
  if (memories.length) parts.push(`## What you remember about the user\n${memories.map((m) => `- ${m}`).join('\n')}`);
  return `${parts.join('\n\n')}\n\nCurrent date and time (UTC): 2026-01-01T00:00:00.000Z`;
}

const marked = (segments: PromptSegment[]) => segments.filter((s) => s.mark !== null).map((s) => [s.mark, s.text, s.mark === 'memory' ? s.memoryId : null]);
const joined = (segments: PromptSegment[]) => segments.map((s) => s.text).join('');

describe('markPrompt (the "What the agent sees" panel)', () => {
  it('marks the instructions and each memory where they sit in the prompt, keeping every character', () => {
    const system = prompt('  Answer briefly.\nUse metric units.  ', ['I prefer green tea', 'I live in Lisbon']);
    const segments = markPrompt(system, '  Answer briefly.\nUse metric units.  ', [
      { id: 'm1', content: 'I prefer green tea' },
      { id: 'm2', content: 'I live in Lisbon' },
    ]);
    expect(joined(segments)).toBe(system);
    expect(marked(segments)).toEqual([
      ['instructions', 'Answer briefly.\nUse metric units.', null],
      ['memory', 'I prefer green tea', 'm1'],
      ['memory', 'I live in Lisbon', 'm2'],
    ]);
  });

  it('finds a memory on its own line even when the instructions or the agent prompt say the same words', () => {
    const system = prompt('Remember: I live in Lisbon. Be brief.', ['I live in Lisbon']);
    const segments = markPrompt(system, 'Remember: I live in Lisbon. Be brief.', [{ id: 'm1', content: 'I live in Lisbon' }]);
    const memory = segments.findIndex((s) => s.mark === 'memory');
    expect(segments[memory - 1]?.text.endsWith('\n- ')).toBe(true);
    expect(marked(segments)).toEqual([
      ['instructions', 'Remember: I live in Lisbon. Be brief.', null],
      ['memory', 'I live in Lisbon', 'm1'],
    ]);
    expect(joined(segments)).toBe(system);

    const echoed = `You suggest green tea.\n\n## What you remember about the user\n- green tea`;
    const marks = markPrompt(echoed, '', [{ id: 'm2', content: 'green tea' }]);
    expect(marks.map((s) => s.text)).toEqual(['You suggest green tea.\n\n## What you remember about the user\n- ', 'green tea']);
    expect(marks[1]).toEqual({ text: 'green tea', mark: 'memory', memoryId: 'm2' });
  });

  it('marks two memories with the same words on their two lines', () => {
    const system = prompt('', ['tea', 'tea']);
    const segments = markPrompt(system, '', [
      { id: 'a', content: 'tea' },
      { id: 'b', content: 'tea' },
    ]);
    expect(marked(segments)).toEqual([
      ['memory', 'tea', 'a'],
      ['memory', 'tea', 'b'],
    ]);
    expect(joined(segments)).toBe(system);
  });

  it('marks nothing it cannot find, and shows markup as the text it is', () => {
    const system = prompt('<b>bold</b>', []);
    const segments = markPrompt(system, '<b>bold</b>', [{ id: 'gone', content: 'not in the prompt' }]);
    expect(marked(segments)).toEqual([['instructions', '<b>bold</b>', null]]);
    expect(markPrompt('plain', '', [])).toEqual([{ text: 'plain', mark: null }]);
  });
});
