/**
 * Keeps the chat's thread at its end while the reader is there: a reply that grows, rows that
 * render taller than their placeholder (content-visibility), a chat just opened. Scrolling up
 * stops it (`away`: offer the way back); scrolling back to the end, or `jump()`, resumes it.
 *
 * Growth is seen by a ResizeObserver on the thread's content, which runs once a frame with the
 * layout already done, so following costs no extra layout however many tokens arrive (issue 18:
 * reading scrollHeight per token laid out a 500-message chat per token). While following, the
 * browser's scroll anchoring is off: it would move the position itself as rows above change size.
 */
const NEAR_END_PX = 96;

export class EndFollower {
  /** The reader has scrolled up from the end. */
  away = $state(false);

  #el: HTMLElement | null = null;
  #following = true;
  /** Where this class last put the scroll position: the scroll event that follows is not the reader's. */
  #ownTop: number | null = null;
  #frame = 0;

  /** For `{@attach}` on the scrolling element; it follows the growth of its children. */
  readonly attach = (el: HTMLElement) => {
    this.#el = el;
    const observer = new ResizeObserver(() => {
      // Moved since we last put it (a message scrolled into view, a wheel) and its scroll event is still to come: that event decides.
      if (this.#following && (this.#ownTop === null || el.scrollTop === this.#ownTop)) this.#toEnd();
    });
    this.#setFollowing(true);
    for (const child of el.children) observer.observe(child);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(this.#frame);
      this.#el = null;
    };
  };

  /** Follow from the end again (another chat was opened), once the new content is laid out. */
  reset(): void {
    this.#setFollowing(true);
    this.#ownTop = null;
    cancelAnimationFrame(this.#frame);
    this.#frame = requestAnimationFrame(() => this.#following && this.#toEnd());
  }

  /** The reader asked to go back to the end. */
  jump(): void {
    this.#setFollowing(true);
    this.#toEnd();
  }

  /** Call from the element's scroll handler. */
  onscroll(): void {
    const el = this.#el;
    if (!el) return;
    const own = this.#ownTop !== null && el.scrollTop === this.#ownTop;
    this.#ownTop = null;
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_END_PX;
    if (own) {
      // Content grew after we scrolled (a row rendered at its real height): keep going.
      if (!atEnd && this.#following) this.#toEnd();
      return;
    }
    this.#setFollowing(atEnd);
  }

  #setFollowing(following: boolean) {
    this.#following = following;
    this.away = !following;
    if (this.#el) this.#el.style.overflowAnchor = following ? 'none' : '';
  }

  #toEnd() {
    const el = this.#el;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    this.#ownTop = el.scrollTop;
  }
}
