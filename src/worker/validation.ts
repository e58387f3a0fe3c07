/**
 * `zValidator` with the app's error shape: the first issue becomes a 400 message that names
 * the field, so a client sees what to fix.
 */
import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import { z } from 'zod';
import { ApiError } from './errors';

export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(target: Target, schema: Schema) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      throw new ApiError('bad_request', describeIssue(result.error.issues[0], target));
    }
  });
}

function describeIssue(issue: z.core.$ZodIssue | undefined, target: string): string {
  if (!issue) return `Invalid ${target}`;
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : `${target}: ${issue.message}`;
}

/** Ids in paths and bodies: UUID-like tokens only, so control characters never reach a query. */
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id');
export const idParam = z.object({ id: idSchema });
/** Free text without control characters other than tab and newlines. */
export const plainText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    // eslint-disable-next-line no-control-regex
    .refine((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s), 'must not contain control characters');
