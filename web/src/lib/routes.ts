/** The SPA's URLs. The Worker serves index.html for every non-/api path, so these survive a reload. */
export type Route =
  | { name: 'login' }
  | { name: 'signup' }
  | { name: 'home' }
  | { name: 'chat'; agent: string; chatId: string | null }
  | { name: 'settings'; agent: string }
  | { name: 'tasks'; taskId: string | null }
  /** A shared chat, read-only and readable without login (SPEC §15). */
  | { name: 'shared'; shareId: string }
  | { name: 'not-found' };

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const AGENT = /^[a-z][a-z0-9_-]{0,31}$/;

export function parseRoute(pathname: string): Route {
  let parts: string[];
  try {
    parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return { name: 'not-found' }; // a malformed escape such as /%E0
  }
  const [first, second, third] = parts;
  if (parts.length === 0) return { name: 'home' };
  if (first === 'login' && parts.length === 1) return { name: 'login' };
  if (first === 'signup' && parts.length === 1) return { name: 'signup' };
  if (first === 'tasks') {
    if (parts.length === 1) return { name: 'tasks', taskId: null };
    if (parts.length === 2 && second && ID.test(second)) return { name: 'tasks', taskId: second };
    return { name: 'not-found' };
  }
  if (first === 's' && parts.length === 2) return second && ID.test(second) ? { name: 'shared', shareId: second } : { name: 'not-found' };
  if (!first || !AGENT.test(first)) return { name: 'not-found' };
  if (parts.length === 1) return { name: 'chat', agent: first, chatId: null };
  if (second === 'settings' && parts.length === 2) return { name: 'settings', agent: first };
  if (second === 'c' && parts.length === 3 && third && ID.test(third)) return { name: 'chat', agent: first, chatId: third };
  return { name: 'not-found' };
}

export const paths = {
  login: () => '/login',
  signup: () => '/signup',
  chat: (agent: string, chatId?: string | null) => (chatId ? `/${agent}/c/${chatId}` : `/${agent}`),
  settings: (agent: string) => `/${agent}/settings`,
  tasks: (taskId?: string | null) => (taskId ? `/tasks/${taskId}` : '/tasks'),
  shared: (shareId: string) => `/s/${shareId}`,
};
