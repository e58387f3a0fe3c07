import { describe, expect, it } from 'vitest';
import { shortcutFor } from '../../web/src/lib/shortcuts';
import type { KeyLike } from '../../web/src/lib/shortcuts';

const press = (key: string, mods: Partial<KeyLike> = {}): KeyLike => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('shortcutFor', () => {
  it('maps the app-wide keys, with ⌘ standing in for Ctrl', () => {
    expect(shortcutFor(press('O', { ctrlKey: true, shiftKey: true }))).toBe('new-chat');
    expect(shortcutFor(press('o', { metaKey: true, shiftKey: true }))).toBe('new-chat');
    expect(shortcutFor(press('Escape', { shiftKey: true }))).toBe('focus-composer');
    expect(shortcutFor(press('Escape'))).toBe('stop-reply');
    expect(shortcutFor(press('/', { ctrlKey: true }))).toBe('show-shortcuts');
    // A layout where "/" is Shift+7: the key's position still counts.
    expect(shortcutFor(press('&', { ctrlKey: true, shiftKey: true, code: 'Slash' }))).toBe('show-shortcuts');
  });

  it('leaves other keys to the page and the browser', () => {
    expect(shortcutFor(press('o', { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(press('O', { shiftKey: true }))).toBeNull();
    expect(shortcutFor(press('/'))).toBeNull();
    expect(shortcutFor(press('Escape', { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(press('O', { ctrlKey: true, shiftKey: true, altKey: true }))).toBeNull();
    expect(shortcutFor(press('Enter'))).toBeNull();
  });
});
