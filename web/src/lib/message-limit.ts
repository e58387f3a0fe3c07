/**
 * The composer's character count against the deployment's MAX_MESSAGE_CHARS (issue 18 item 11):
 * silent while far from it, the characters left near it, and over it the excess (the server
 * refuses such a message, so the composer does not send it).
 */

/** Near = within a tenth of the limit, and never more than the last 1000 characters: a count from the first word on is noise. */
const NEAR_SHARE = 0.1;
const NEAR_MAX_CHARS = 1000;

export interface MessageLimit {
  /** Whether to show the count at all. */
  show: boolean;
  /** Characters left; negative when over. */
  left: number;
  over: boolean;
}

/** `max` null: the limit is not known yet (the agents list has not answered), so nothing is shown or held back. */
export function messageLimit(length: number, max: number | null): MessageLimit {
  if (max === null) return { show: false, left: Infinity, over: false };
  const left = max - length;
  const near = Math.min(NEAR_MAX_CHARS, Math.ceil(max * NEAR_SHARE));
  return { show: left <= near, left, over: left < 0 };
}
