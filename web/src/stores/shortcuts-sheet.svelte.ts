/** The keyboard shortcuts sheet (Ctrl+/): open or not, from the key or from a button. */
class ShortcutsSheet {
  open = $state(false);

  show() {
    this.open = true;
  }

  hide() {
    this.open = false;
  }

  toggle() {
    this.open = !this.open;
  }
}

export const shortcutsSheet = new ShortcutsSheet();
