/**
 * Syntax highlighting, loaded on demand: the first code block that names a language fetches
 * highlight.js (and that language) in a chunk of its own, then every reply renders again with
 * colours. Until then, and for languages it does not know, code shows plain.
 */
import { setHighlight } from '../lib/markdown';

class CodeHighlight {
  /** Bumped whenever a language becomes available: rendered Markdown depends on it. */
  version = $state(0);

  #requested = new Set<string>();

  /** Ask for the languages code blocks name; those already asked for are not asked again. */
  want(languages: readonly string[]): void {
    const fresh = languages.filter((l) => !this.#requested.has(l));
    if (fresh.length === 0) return;
    for (const l of fresh) this.#requested.add(l);
    void this.#load(fresh);
  }

  async #load(fences: string[]) {
    try {
      const lib = await import('../lib/highlight-languages');
      const names = [...new Set(fences.map(lib.languageFor).filter((n): n is string => n !== null))];
      if (names.length === 0) return;
      const loaded = await Promise.all(names.map(lib.loadLanguage));
      if (!loaded.some(Boolean)) return;
      setHighlight(lib.highlightCode);
      this.version++;
    } catch {
      // Offline or a deploy replaced the chunk: code stays plain, and a later block asks again.
      for (const f of fences) this.#requested.delete(f);
    }
  }
}

export const codeHighlight = new CodeHighlight();
