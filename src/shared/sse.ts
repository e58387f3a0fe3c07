/** Server-Sent Events framing for the turn protocol: one `event:` line and one `data:` line. */
import type { TurnEvent } from './protocol';

export function encodeSseEvent(event: TurnEvent): string {
  // JSON.stringify never emits a raw newline, so one data line always suffices.
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
