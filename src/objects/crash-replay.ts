/**
 * Replay after a crash or eviction: whatever the ledger holds that D1 has not (outbox
 * messages, checkpoints of replies whose generation died) is written before the woken object
 * serves anyone, and again by the alarm until it lands. A D1 failure defers the writes to the
 * alarm instead of failing the request that happened to trigger them.
 */
import type { ChatLedger } from './chat-ledger';
import type { TurnClaims } from './turn-claims';
import { logError } from '../shared/safe-log';

export class CrashReplay {
  readonly #ledger: () => ChatLedger;
  readonly #claims: TurnClaims;
  readonly #retrySoon: () => Promise<void>;

  constructor(ledger: () => ChatLedger, claims: TurnClaims, retrySoon: () => Promise<void>) {
    this.#ledger = ledger;
    this.#claims = claims;
    this.#retrySoon = retrySoon;
  }

  /** Called as the object wakes: blocks other events until left-over work is written (or deferred). */
  onWake(ctx: DurableObjectState): void {
    if (this.#ledger().hasWork()) void ctx.blockConcurrencyWhile(() => this.replay());
  }

  /** Writes orphaned checkpoints as `interrupted` and flushes the outbox. Safe to repeat. */
  replay(): Promise<void> {
    return this.#ledger().recover((checkpoint) => this.#claims.isStreaming(checkpoint.chatId, checkpoint.messageId));
  }

  /** A D1 write failed: log it (without contents) and let the alarm retry soon. */
  defer(error: unknown): void {
    logError('D1 write deferred to the alarm', error); // scrubbed: a failed write's parameters are message text (SPEC §13)
    void this.#retrySoon();
  }
}
