/**
 * A turn's timing breakdown (SPEC §12.4): consecutive named stages that together cover the
 * turn from the request's arrival at the Worker to the stored reply. The Worker's stages come
 * with the request; each `mark(name)` closes the time since the previous mark under `name`
 * (a stage met again, e.g. `stream` in a second tool round, adds up).
 */
import type { TimingStage } from '../../shared/protocol';

export interface ArrivalTiming {
  /** When the request reached the Worker (ms since the epoch). */
  arrivedAt: number;
  /** The Worker's own stages, in order. */
  stages: TimingStage[];
  /** D1 statements the Worker issued for this turn before handing it over. */
  d1Statements: number;
}

export class TurnClock {
  readonly arrival: ArrivalTiming;
  readonly #stages: TimingStage[];
  #last: number;

  constructor(arrival: ArrivalTiming) {
    this.arrival = arrival;
    this.#stages = arrival.stages.map((s) => ({ ...s }));
    this.#last = arrival.arrivedAt + arrival.stages.reduce((sum, s) => sum + s.ms, 0);
  }

  mark(name: string, at = Date.now()): void {
    const ms = Math.max(0, at - this.#last);
    this.#last = Math.max(this.#last, at);
    const stage = this.#stages.find((s) => s.name === name);
    if (stage) stage.ms += ms;
    else this.#stages.push({ name, ms });
  }

  stages(): TimingStage[] {
    return this.#stages.map((s) => ({ ...s }));
  }
}
