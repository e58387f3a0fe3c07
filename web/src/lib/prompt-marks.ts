/**
 * The system prompt as the "What the agent sees" panel shows it: plain text cut into segments,
 * with the user's instructions and each memory marked where they appear. Found by matching their
 * text in the prompt, never by trusting markup in it: the prompt is shown as text, whatever it holds.
 */
export type PromptSegment = { text: string; mark: null } | { text: string; mark: 'instructions' } | { text: string; mark: 'memory'; memoryId: string };

interface Range {
  start: number;
  end: number;
  segment: PromptSegment;
}

const overlaps = (ranges: Range[], start: number, end: number) => ranges.some((r) => start < r.end && r.start < end);

/** Every index at which `needle` occurs in `text`, in order. */
function* occurrences(text: string, needle: string): Generator<number> {
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) yield at;
}

/** The first occurrence of `needle` that no marked range covers, preferring one that starts a `- ` list line. */
function freeOccurrence(text: string, needle: string, taken: Range[]): number | null {
  let fallback: number | null = null;
  for (const at of occurrences(text, needle)) {
    if (overlaps(taken, at, at + needle.length)) continue;
    const listLine = text.slice(Math.max(0, at - 2), at) === '- ' && (at === 2 || text[at - 3] === '\n');
    if (listLine) return at;
    fallback ??= at;
  }
  return fallback;
}

export function markPrompt(system: string, instructions: string, memories: readonly { id: string; content: string }[]): PromptSegment[] {
  const ranges: Range[] = [];
  // The prompt holds the instructions trimmed; memories come after them, so a memory repeating
  // a sentence of the instructions is still found on its own line.
  const wanted = instructions.trim();
  if (wanted) {
    const at = system.indexOf(wanted);
    if (at !== -1) ranges.push({ start: at, end: at + wanted.length, segment: { text: wanted, mark: 'instructions' } });
  }
  for (const memory of memories) {
    if (!memory.content) continue;
    const at = freeOccurrence(system, memory.content, ranges);
    if (at !== null) ranges.push({ start: at, end: at + memory.content.length, segment: { text: memory.content, mark: 'memory', memoryId: memory.id } });
  }
  ranges.sort((a, b) => a.start - b.start);
  const segments: PromptSegment[] = [];
  let at = 0;
  for (const range of ranges) {
    if (range.start > at) segments.push({ text: system.slice(at, range.start), mark: null });
    segments.push(range.segment);
    at = range.end;
  }
  if (at < system.length) segments.push({ text: system.slice(at), mark: null });
  return segments;
}
