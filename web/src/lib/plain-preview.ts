/**
 * A message as one line of plain text for the chat list (issue 18): what the reader would see,
 * without the Markdown that makes it (#, **, backticks, table pipes, link targets).
 */
import { Lexer } from 'marked';
import type { Token } from 'marked';

const PREVIEW_CHARS = 80;

/** Inline tokens run on within their line; anything else ends with a space. */
const INLINE = new Set(['text', 'strong', 'em', 'codespan', 'link', 'del', 'escape', 'image', 'html', 'br']);

function collect(tokens: readonly Token[], out: string[]) {
  for (const token of tokens) {
    switch (token.type) {
      case 'code':
      case 'codespan':
      case 'escape':
        out.push(token.text);
        break;
      case 'list':
        for (const item of token.items) {
          collect(item.tokens, out);
          out.push(' ');
        }
        break;
      case 'table':
        for (const cell of [...token.header, ...token.rows.flat()]) {
          collect(cell.tokens, out);
          out.push(' ');
        }
        break;
      case 'br':
        out.push(' ');
        break;
      default:
        if ('tokens' in token && token.tokens?.length) collect(token.tokens, out);
        else if ('text' in token && typeof token.text === 'string') out.push(token.text);
    }
    if (!INLINE.has(token.type)) out.push(' ');
  }
}

export function plainPreview(markdown: string, maxChars = PREVIEW_CHARS): string {
  const out: string[] = [];
  collect(Lexer.lex(markdown, { gfm: true }), out);
  const text = out.join('').replace(/\s+/g, ' ').trim();
  return text.length > maxChars ? `${text.slice(0, maxChars - 1).trimEnd()}…` : text;
}
