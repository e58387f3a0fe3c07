import { describe, expect, it } from 'vitest';
import { plainPreview } from '../../web/src/lib/plain-preview';

describe('plainPreview', () => {
  it('shows what a reader sees, not the Markdown', () => {
    expect(plainPreview('## Parsing a date\nUse `Date.parse`, then **check** the [result](https://example.com).', 200)).toBe(
      'Parsing a date Use Date.parse, then check the result.',
    );
  });

  it('keeps list items, code and table cells apart', () => {
    const markdown = ['- one', '- two', '', '```ts', 'const a = 1;', '```', '', '| a | b |', '|---|---|', '| 1 | 2 |', '', '> quoted'].join('\n');
    expect(plainPreview(markdown, 200)).toBe('one two const a = 1; a b 1 2 quoted');
  });

  it('cuts a long message with an ellipsis, at the length asked for', () => {
    const preview = plainPreview('word '.repeat(50), 20);
    expect(preview.length).toBeLessThanOrEqual(20);
    expect(preview.endsWith('…')).toBe(true);
  });

  it('leaves plain text as it is, on one line', () => {
    expect(plainPreview('Hello there\nhow are you?')).toBe('Hello there how are you?');
  });
});
