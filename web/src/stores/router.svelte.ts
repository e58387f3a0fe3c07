/** A small history router: the URL is the source of truth for what screen is open. */
import { parseRoute } from '../lib/routes';
import type { Route } from '../lib/routes';

class Router {
  path = $state(location.pathname);
  route: Route = $derived(parseRoute(this.path));

  constructor() {
    addEventListener('popstate', () => {
      this.path = location.pathname;
    });
  }

  navigate(path: string, options: { replace?: boolean } = {}) {
    if (path === location.pathname) return;
    if (options.replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    this.path = location.pathname;
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
