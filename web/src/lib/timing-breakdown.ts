/**
 * A reply's timing breakdown (SPEC §12.4) as the reply's timing line shows it: each stage of the
 * turn in the order it ran, with its share of the whole, and the D1 statements the turn issued
 * before its first token.
 */
import type { MessageTimings } from '../../../src/shared/protocol';

export interface StageRow {
  name: string;
  /** `model_request` reads as "model request". */
  label: string;
  ms: number;
  /** "12 ms", "1.4 s". */
  text: string;
  /** This stage's part of all the stages together, 0…1 (for its bar). */
  share: number;
}

export interface TimingBreakdown {
  stages: StageRow[];
  totalText: string;
  /** null when the server did not count them (replies stored before the count existed). */
  d1BeforeFirstToken: number | null;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** null when the reply has no stages to show (stored before the breakdown existed). */
export function timingBreakdown(timings: MessageTimings | null): TimingBreakdown | null {
  const stages = timings?.stages;
  if (!timings || !stages || stages.length === 0) return null;
  const sum = stages.reduce((n, s) => n + Math.max(0, s.ms), 0);
  return {
    stages: stages.map((s) => ({
      name: s.name,
      label: s.name.replace(/_/g, ' '),
      ms: s.ms,
      text: formatMs(s.ms),
      share: sum > 0 ? Math.max(0, s.ms) / sum : 0,
    })),
    totalText: formatMs(sum),
    d1BeforeFirstToken: timings.d1BeforeFirstToken ?? null,
  };
}
