/**
 * A URL whose percent-encoding does not decode (`/api/%E0`) is the client's mistake: 400 in
 * the error shape before any route or parameter decoder sees it (SPEC §13). Queries count
 * too, although URLSearchParams would quietly turn the bad bytes into U+FFFD.
 */
import { createMiddleware } from 'hono/factory';
import { ApiError } from '../../shared/errors';

function decodes(text: string): boolean {
  try {
    // The result is used on purpose: the production bundler drops a call to a "pure" global
    // whose result is ignored, and with it the throw this check relies on.
    return typeof decodeURIComponent(text) === 'string';
  } catch {
    return false;
  }
}

export const wellFormedUrl = createMiddleware(async (c, next) => {
  const { pathname, search } = new URL(c.req.url);
  if (!decodes(pathname) || !decodes(search.replaceAll('+', ' ')))
    throw new ApiError('bad_request', 'The URL is not well-formed: it has a broken percent-encoding');
  await next();
});
