/**
 * Keyset cursors for newest-first lists: an opaque base64url of `<sortKey>:<id>`, so a page
 * boundary never skips or repeats rows that share a timestamp.
 */
import { z } from 'zod';
import { badRequest } from './errors';

export interface Cursor {
  at: number;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return btoa(`${cursor.at}:${cursor.id}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeCursor(raw: string): Cursor {
  try {
    const text = atob(raw.replace(/-/g, '+').replace(/_/g, '/'));
    const [at, id] = text.split(':');
    if (at && id && /^\d+$/.test(at) && /^[A-Za-z0-9_-]{1,64}$/.test(id)) return { at: Number(at), id };
  } catch {
    // fall through to the 400 below
  }
  throw badRequest('cursor: is not a cursor from this API');
}

export const limitSchema = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
export const cursorSchema = z.string().max(200).optional();
