/** Input rules shared by the Worker's validators and the executor's tools. */
import { z } from 'zod';

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
