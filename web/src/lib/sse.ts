/**
 * Reads a turn's Server-Sent Events (SPEC §5) from a fetch Response with eventsource-parser,
 * yielding typed events. Unknown event names are skipped so a newer server cannot break an
 * older tab.
 */
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import { TURN_EVENT_NAMES } from '../../../src/shared/protocol';
import type { TurnEvent, TurnEventName } from '../../../src/shared/protocol';

const KNOWN = new Set<string>(TURN_EVENT_NAMES);

export function toTurnEvent(message: EventSourceMessage): TurnEvent | null {
  if (!message.event || !KNOWN.has(message.event)) return null;
  let data: unknown;
  try {
    data = message.data ? JSON.parse(message.data) : {};
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  return { event: message.event as TurnEventName, data } as TurnEvent;
}

export async function* readTurnEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<TurnEvent> {
  const queue: TurnEvent[] = [];
  const parser = createParser({
    onEvent(message) {
      const event = toTurnEvent(message);
      if (event) queue.push(event);
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        parser.feed(decoder.decode());
        parser.reset({ consume: true });
      } else {
        parser.feed(decoder.decode(value, { stream: true }));
      }
      while (queue.length > 0) yield queue.shift()!;
      if (done) return;
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
    reader.releaseLock();
  }
}
