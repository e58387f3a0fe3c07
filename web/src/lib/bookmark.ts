/**
 * Read-your-writes across D1 replicas (SPEC §17): every API response names, in X-D1-Bookmark,
 * how far the user's database had been seen; the next request sends the newest one back, so
 * no read is older than this tab's own last write. Bookmarks sort as strings; the tab keeps
 * the greatest (in sessionStorage, so a reload keeps it too).
 */
import { D1_BOOKMARK_HEADER } from '../../../src/shared/api';

const KEY = 'clarity.d1-bookmark';
let latest: string | null = null;

function stored(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage disabled: the in-memory bookmark still serves this page
  }
}

export function bookmarkHeaders(): Record<string, string> {
  latest ??= stored();
  return latest ? { [D1_BOOKMARK_HEADER]: latest } : {};
}

/** A response's bookmark (a turn's `done` carries one too). */
export function bookmarkOf(res: Response): string | null {
  return res.headers.get(D1_BOOKMARK_HEADER);
}

export function rememberBookmark(bookmark: string | null | undefined): void {
  latest ??= stored();
  if (!bookmark || (latest !== null && bookmark <= latest)) return;
  latest = bookmark;
  try {
    sessionStorage.setItem(KEY, bookmark);
  } catch {
    // as above
  }
}
