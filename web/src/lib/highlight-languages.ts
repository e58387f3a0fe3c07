/**
 * highlight.js with the languages replies use most, each fetched the first time a code block
 * names it. This module is only ever imported dynamically (stores/code-highlight.svelte.ts),
 * so none of it is in the first load.
 */
import hljs from 'highlight.js/lib/core';
import type { LanguageFn } from 'highlight.js';
import './highlight-theme.css';

type Loader = () => Promise<{ default: LanguageFn }>;

/** By highlight.js name; each key is also an accepted fence name. */
const LOADERS: Record<string, Loader> = {
  bash: () => import('highlight.js/lib/languages/bash'),
  c: () => import('highlight.js/lib/languages/c'),
  cpp: () => import('highlight.js/lib/languages/cpp'),
  csharp: () => import('highlight.js/lib/languages/csharp'),
  css: () => import('highlight.js/lib/languages/css'),
  diff: () => import('highlight.js/lib/languages/diff'),
  dockerfile: () => import('highlight.js/lib/languages/dockerfile'),
  go: () => import('highlight.js/lib/languages/go'),
  ini: () => import('highlight.js/lib/languages/ini'),
  java: () => import('highlight.js/lib/languages/java'),
  javascript: () => import('highlight.js/lib/languages/javascript'),
  json: () => import('highlight.js/lib/languages/json'),
  kotlin: () => import('highlight.js/lib/languages/kotlin'),
  lua: () => import('highlight.js/lib/languages/lua'),
  markdown: () => import('highlight.js/lib/languages/markdown'),
  php: () => import('highlight.js/lib/languages/php'),
  powershell: () => import('highlight.js/lib/languages/powershell'),
  python: () => import('highlight.js/lib/languages/python'),
  r: () => import('highlight.js/lib/languages/r'),
  ruby: () => import('highlight.js/lib/languages/ruby'),
  rust: () => import('highlight.js/lib/languages/rust'),
  scss: () => import('highlight.js/lib/languages/scss'),
  shell: () => import('highlight.js/lib/languages/shell'),
  sql: () => import('highlight.js/lib/languages/sql'),
  swift: () => import('highlight.js/lib/languages/swift'),
  typescript: () => import('highlight.js/lib/languages/typescript'),
  xml: () => import('highlight.js/lib/languages/xml'),
  yaml: () => import('highlight.js/lib/languages/yaml'),
};

/** Other names models put on fences. */
const ALIASES: Record<string, string> = {
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  py: 'python',
  sh: 'bash',
  zsh: 'bash',
  console: 'shell',
  html: 'xml',
  svg: 'xml',
  svelte: 'xml',
  vue: 'xml',
  'c++': 'cpp',
  cc: 'cpp',
  h: 'c',
  hpp: 'cpp',
  cs: 'csharp',
  'c#': 'csharp',
  golang: 'go',
  rb: 'ruby',
  rs: 'rust',
  kt: 'kotlin',
  yml: 'yaml',
  md: 'markdown',
  docker: 'dockerfile',
  toml: 'ini',
  ps1: 'powershell',
  patch: 'diff',
};

/** The highlight.js language for a fence name, or null when it is not one of ours. */
export function languageFor(fence: string): string | null {
  const name = ALIASES[fence] ?? fence;
  return Object.hasOwn(LOADERS, name) ? name : null;
}

/** Registers the language (once); false when it is unknown or failed to load. */
export async function loadLanguage(name: string): Promise<boolean> {
  if (hljs.getLanguage(name)) return true;
  const loader = LOADERS[name];
  if (!loader) return false;
  hljs.registerLanguage(name, (await loader()).default);
  return true;
}

/** Highlighted HTML, or null when the fence's language is not registered yet. */
export function highlightCode(code: string, fence: string): string | null {
  const name = languageFor(fence);
  if (!name || !hljs.getLanguage(name)) return null;
  return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
}
