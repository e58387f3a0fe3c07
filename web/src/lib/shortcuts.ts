/**
 * The app's keyboard shortcuts (issue 18 item 9), as data: what each key does, for the handler
 * and for the sheet that lists them (Ctrl+/). Ctrl also means ⌘ on a Mac.
 */
export type ShortcutAction = 'new-chat' | 'focus-composer' | 'stop-reply' | 'show-shortcuts';

export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export interface ShortcutHelp {
  keys: string[];
  does: string;
  /** The keys are alternatives (↑ or ↓), not pressed together. */
  either?: boolean;
}

/** What the sheet lists: the app-wide shortcuts, then the keys that work where focus is. */
export const SHORTCUT_HELP: readonly ShortcutHelp[] = [
  { keys: ['Ctrl', 'Shift', 'O'], does: 'New chat' },
  { keys: ['Shift', 'Esc'], does: 'Focus the message box' },
  { keys: ['Esc'], does: 'Stop the reply' },
  { keys: ['Ctrl', '/'], does: 'Show keyboard shortcuts' },
  { keys: ['Enter'], does: 'Send the message' },
  { keys: ['Shift', 'Enter'], does: 'New line in the message' },
  { keys: ['↑', '↓'], does: 'Move through an open menu', either: true },
];

/** The app-wide action a key press asks for, or null. */
export function shortcutFor(event: KeyLike): ShortcutAction | null {
  if (event.altKey) return null;
  const mod = event.ctrlKey || event.metaKey;
  // "/" needs Shift on some layouts: the key's position (code) counts too.
  if (mod && (event.key === '/' || event.code === 'Slash')) return 'show-shortcuts';
  if (mod && event.shiftKey && event.key.toLowerCase() === 'o') return 'new-chat';
  if (!mod && event.key === 'Escape') return event.shiftKey ? 'focus-composer' : 'stop-reply';
  return null;
}
