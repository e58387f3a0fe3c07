/**
 * Assistant replies are Markdown from a model: render with marked, then sanitise with DOMPurify
 * so no raw HTML ever runs. User messages never come here; they render as plain text. Images
 * are dropped: a model tricked by injected text could otherwise leak data through image URLs.
 *
 * Rendering is memoised by source: a long chat re-renders nothing but the reply that streams.
 */
import DOMPurify from 'dompurify';
import { Marked, Renderer } from 'marked';

export interface RenderedMarkdown {
  html: string;
  /** The languages its code blocks name, as written ("ts", "python"), for the highlighter to load. */
  languages: string[];
}

/** Highlighted HTML of `code` (spans with hljs classes), or null when the language is not loaded. */
export type Highlight = (code: string, language: string) => string | null;

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Entries kept: more than the messages a long chat holds on screen, bounded for a tab open for days. */
const CACHE_ENTRIES = 1500;
const cache = new Map<string, RenderedMarkdown>();
let highlight: Highlight | null = null;
/** Filled by the code renderer during one render. */
let languagesSeen: string[] = [];

/** The language a fence names: its first word ("```ts title=x" → "ts"), lowercased. */
function fenceLanguage(info: string | undefined): string {
  return (info ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
}

// Raw HTML in a reply (often the user's own text quoted back) is shown as text, not parsed.
const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    // A header above the code (its language; the Copy button is added by the component), so
    // nothing floats over code that scrolls sideways.
    code: ({ text, lang }) => {
      const language = fenceLanguage(lang);
      if (language) languagesSeen.push(language);
      const code = text.replace(/\n$/, '');
      const body = (language && highlight?.(code, language)) || escapeHtml(code);
      const label = language ? escapeHtml(language) : 'text';
      return `<div class="code-block"><div class="code-head"><span class="code-lang">${label}</span></div><pre><code class="hljs">${body}</code></pre></div>`;
    },
    // A wide table scrolls in a box of its own, so the bubble keeps to the screen's width.
    table(token) {
      return `<div class="table-scroll">${Renderer.prototype.table.call(this, token)}</div>`;
    },
  },
});

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

function render(source: string): RenderedMarkdown {
  languagesSeen = [];
  const html = marked.parse(source) as string;
  const languages = [...new Set(languagesSeen)];
  return {
    html: DOMPurify.sanitize(html, {
      USE_PROFILES: { html: true },
      FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'img'],
      FORBID_ATTR: ['style'],
    }),
    languages,
  };
}

/**
 * `memo: false` for text that changes with every token (the streaming reply): caching each
 * prefix would only push finished replies out of the cache.
 */
export function renderMarkdown(source: string, { memo = true } = {}): RenderedMarkdown {
  if (!memo) return render(source);
  const hit = cache.get(source);
  if (hit) {
    // Least recently used goes first: a hit moves to the end.
    cache.delete(source);
    cache.set(source, hit);
    return hit;
  }
  const rendered = render(source);
  cache.set(source, rendered);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return rendered;
}

/** New languages can be highlighted: what was rendered without them renders again. */
export function setHighlight(next: Highlight) {
  highlight = next;
  cache.clear();
}
