import { describe, expect, it } from 'vitest';
import { splitRanges } from '../../web/src/lib/highlight-ranges';

const marked = (text: string, ranges: [number, number][]) =>
  splitRanges(text, ranges)
    .map((p) => (p.match ? `[${p.text}]` : p.text))
    .join('');

describe('search snippet highlighting', () => {
  it('marks each range and keeps every character once', () => {
    expect(marked('the blue bike is blue', [[4, 8], [17, 21]])).toBe('the [blue] bike is [blue]');
  });

  it('counts UTF-16 offsets, as the server does (an emoji is two units)', () => {
    expect(marked('🚲 blue bike', [[3, 7]])).toBe('🚲 [blue] bike');
  });

  it('survives ranges out of order, overlapping or past the end', () => {
    expect(marked('abcdef', [[4, 99], [0, 2], [1, 3]])).toBe('[ab][c]d[ef]');
  });

  it('treats markup in the snippet as text', () => {
    const parts = splitRanges('<img src=x onerror=alert(1)>', [[1, 4]]);
    expect(parts.map((p) => p.text).join('')).toBe('<img src=x onerror=alert(1)>');
  });
});
