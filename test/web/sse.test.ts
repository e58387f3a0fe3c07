import { describe, expect, it } from 'vitest';
import type { TurnEvent } from '../../src/shared/protocol';
import { readTurnEvents } from '../../web/src/lib/sse';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<TurnEvent[]> {
  const events: TurnEvent[] = [];
  for await (const event of readTurnEvents(stream)) events.push(event);
  return events;
}

describe('readTurnEvents', () => {
  it('parses events split across chunks', async () => {
    const events = await collect(streamOf(['event: delta\ndata: {"te', 'xt":"Hel"}\n\nevent: delta\n', 'data: {"text":"lo"}\n\nevent: done\ndata: {}\n\n']));
    expect(events).toEqual([
      { event: 'delta', data: { text: 'Hel' } },
      { event: 'delta', data: { text: 'lo' } },
      { event: 'done', data: {} },
    ]);
  });

  it('skips unknown events and malformed data', async () => {
    const events = await collect(streamOf(['event: ping\ndata: {}\n\nevent: delta\ndata: {not json\n\nevent: done\ndata: {}\n\n']));
    expect(events).toEqual([{ event: 'done', data: {} }]);
  });
});
