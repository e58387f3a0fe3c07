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

  constructor() {
    this.#noteAgent();
    addEventListener('popstate', () => this.#moved());
  }

  navigate(path: string, options: { replace?: boolean } = {}) {
    if (path === location.pathname) return;
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
