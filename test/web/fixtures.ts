import type { MessageDto } from '../../src/shared/protocol';

/** A stored message as the API returns it; `seq` also names it (`m<seq>`). */
export function message(seq: number, overrides: Partial<MessageDto> = {}): MessageDto {
  return {
    id: `m${seq}`,
    seq,
    parentSeq: seq > 1 ? seq - 1 : null,
    siblings: { index: 1, count: 1 },
    role: 'assistant',
    content: `message ${seq}`,
    toolCalls: null,
    toolCallId: null,
    name: null,
    status: 'complete',
    clientMessageId: null,
    timings: null,
    createdAt: 1_000 + seq,
    ...overrides,
  };
}
