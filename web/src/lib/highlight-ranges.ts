/** A plain-text snippet cut into parts at the server's match ranges, so the view wraps matches in <mark> as text (never HTML). */
export interface SnippetPart {
  text: string;
  match: boolean;
}

export function splitRanges(text: string, ranges: readonly (readonly [number, number])[]): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let at = 0;
  // Sorted and clamped: a range out of order or past the end must not drop or repeat text.
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  for (const [rawStart, rawEnd] of sorted) {
    const start = Math.max(at, Math.min(rawStart, text.length));
    const end = Math.max(start, Math.min(rawEnd, text.length));
    if (end === start) continue;
    if (start > at) parts.push({ text: text.slice(at, start), match: false });
    parts.push({ text: text.slice(start, end), match: true });
    at = end;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts;
}
