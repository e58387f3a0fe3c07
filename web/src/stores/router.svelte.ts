/** A small history router: the URL is the source of truth for what screen is open. */
import { parseRoute } from '../lib/routes';
import type { Route } from '../lib/routes';

const LAST_AGENT_KEY = 'clarity:last-agent';

function storedLastAgent(): string {
  try {
    return localStorage.getItem(LAST_AGENT_KEY) ?? 'assistant';
  } catch {
    return 'assistant';
  }
}

class Router {
  path = $state(location.pathname);
  route: Route = $derived(parseRoute(this.path));
  /** The agent of the last chat or settings screen: the tasks screen is no agent's, so the shell keeps showing this one. */
  lastAgent = $state(storedLastAgent());
  /** A leave the open screen's unsaved work holds back until the user answers (see `leave`). */
  pendingLeave = $state<(() => void) | null>(null);
  /** Set by a screen with unsaved work: true while leaving it would lose that work. */
  #unsaved: (() => boolean) | null = null;

  constructor() {
    this.#noteAgent();
    addEventListener('popstate', () => this.#popped());
  }

  /** A screen's unsaved-work check; answers the function that removes it. */
  guardLeaving(unsaved: () => boolean): () => void {
    this.#unsaved = unsaved;
    return () => {
      if (this.#unsaved !== unsaved) return;
      this.#unsaved = null;
      this.pendingLeave = null;
    };
  }

  /** Runs `go` (a navigation, a log-out) now, or, with unsaved work on screen, once the user agrees to discard it. */
  leave(go: () => void) {
    if (this.#unsaved?.()) this.pendingLeave = go;
    else go();
  }

  /** The user's answer to a held-back leave: go (the screen has discarded its work) or stay. */
  answerLeave(go: boolean) {
    const pending = this.pendingLeave;
    this.pendingLeave = null;
    if (go) pending?.();
  }

  /**
   * `replace` is for redirects the app makes (after a sign-in, to a chat's id), not a user leaving
   * a screen, so only a push is held back by unsaved work.
   */
  navigate(path: string, options: { replace?: boolean } = {}) {
    if (path === location.pathname) return;
    if (!options.replace && this.#unsaved?.()) {
      this.pendingLeave = () => this.navigate(path);
      return;
    }
    if (options.replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    this.#moved();
  }

  /** Remember an agent the server knows, so the next visit starts with it. */
  rememberAgent(agent: string) {
    try {
      localStorage.setItem(LAST_AGENT_KEY, agent);
    } catch {
      // Private mode: the next visit starts with the default agent.
    }
  }

  /** Back or Forward: the URL has already changed, so with unsaved work it is put back until the user agrees to leave. */
  #popped() {
    if (location.pathname !== this.path && this.#unsaved?.()) {
      history.pushState(null, '', this.path);
      this.pendingLeave = () => history.back();
      return;
    }
    this.#moved();
  }

  #moved() {
    this.path = location.pathname;
    this.#noteAgent();
  }

  #noteAgent() {
    const route = parseRoute(this.path);
    if (route.name === 'chat' || route.name === 'settings') this.lastAgent = route.agent;
  }

  /** onclick for in-app links: plain clicks navigate in place, modified clicks open a tab as usual. */
  link = (event: MouseEvent) => {
    const anchor = event.currentTarget as HTMLAnchorElement;
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    this.navigate(anchor.pathname);
  };
}

export const router = new Router();
