/** Turns whatever the model call threw into the clear message a user sees (SPEC §4.5). */
import { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

export interface TurnFailure {
  code: 'upstream_error' | 'rate_limited' | 'interrupted' | 'tool_rounds_exceeded';
  message: string;
}

/** The user pressed Stop (or the chat was deleted): the partial reply is kept as interrupted. */
export const STOPPED: TurnFailure = { code: 'interrupted', message: 'The reply was stopped.' };
/** A stream that ended without a finish reason. */
export const CUT_OFF: TurnFailure = { code: 'upstream_error', message: 'The model’s reply broke off unexpectedly. Please try again.' };

export function describeModelError(error: unknown, timeoutMs: number): TurnFailure {
  if (error instanceof APIConnectionTimeoutError) {
    return { code: 'upstream_error', message: `The model did not answer within ${Math.round(timeoutMs / 1000)} s. Please try again.` };
  }
  if (error instanceof APIUserAbortError) return STOPPED;
  if (error instanceof APIError && error.status === 429) {
    return { code: 'rate_limited', message: 'The model is busy (rate limited). Please try again in a moment.' };
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    return { code: 'upstream_error', message: `The model server failed (HTTP ${error.status}). Please try again.` };
  }
  if (error instanceof SyntaxError) return { code: 'upstream_error', message: 'The model sent a malformed reply. Please try again.' };
  if (error instanceof APIError) return { code: 'upstream_error', message: 'Could not reach the model server. Please try again.' };
  return CUT_OFF;
}
