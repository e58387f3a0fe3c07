/**
 * `zValidator` with the app's error shape: the first issue becomes a 400 message that names
 * the field, so a client sees what to fix.
 */
import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { ApiError } from '../shared/errors';

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
