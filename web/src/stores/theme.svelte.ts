/**
 * Light or dark: by default the system's setting (CSS light-dark() with `color-scheme: light
 * dark` follows it, even before this runs), or the one the user picked, kept in this browser.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';

export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

const STORAGE_KEY = 'clarity:theme';

function storage(): Storage | null {
  try {
    return localStorage;
  } catch {
    return null;
  }
}

const isChoice = (value: unknown): value is ThemeChoice => THEME_CHOICES.includes(value as ThemeChoice);

class Theme {
  choice = $state<ThemeChoice>('system');

  constructor() {
    const saved = storage()?.getItem(STORAGE_KEY);
    if (isChoice(saved)) this.choice = saved;
    this.#apply();
    // Another tab switched: follow it.
    addEventListener('storage', (event) => {
      if (event.key !== STORAGE_KEY) return;
      this.choice = isChoice(event.newValue) ? event.newValue : 'system';
      this.#apply();
    });
  }

  set(choice: ThemeChoice) {
    this.choice = choice;
    const store = storage();
    try {
      if (choice === 'system') store?.removeItem(STORAGE_KEY);
      else store?.setItem(STORAGE_KEY, choice);
    } catch {
      // Storage full or blocked: the choice holds for this tab.
    }
    this.#apply();
  }

  #apply() {
    if (this.choice === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = this.choice;
  }
}

export const theme = new Theme();
