/** Pieces both import formats share: error wording and titles. */
import type { z } from 'zod';

/** The first problem zod found, as `where.path: what` (e.g. `conversations[2].mapping.n1.parent: …`). */
export function describeProblem(where: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const path = [where, ...(issue?.path.map(String) ?? [])].filter(Boolean).join('.');
  return `${path || 'file'}: ${issue?.message ?? 'invalid'}`;
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001F\u007F]+/g;

/** A title fit for the chat list: no control characters, at most 120 characters. */
export function cleanTitle(title: string | null | undefined, fallback: string): string {
  const clean = (title ?? '').replace(CONTROL_CHARS, ' ').trim().slice(0, 120).trim();
  return clean || fallback;
}
