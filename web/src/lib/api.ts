/**
 * The typed API client: one function per endpoint of SPEC §5, typed with the DTOs the Worker's
 * serializers share (src/shared/api.ts), and `call()`, the one way every request goes out: it
 * answers the success body or throws an `ApiError` carrying the server's `{error:{code,message}}`.
 */
import type { AgentName } from '../../../src/shared/agents';
import type {
  AgentsResponse,
  AroundPage,
  AuthResult,
  ChatDto,
  ContextDto,
  DraftDto,
  ChatPage,
  HealthDto,
  InstructionsDto,
  MemoryDto,
  MessagePage,
  SearchResponse,
  SessionOpenResult,
  ShareDto,
  SharedChatDto,
  TaskDto,
  TaskPage,
  TaskPriority,
  TaskStatus,
  UserDto,
} from '../../../src/shared/api';
import { bookmarkHeaders, bookmarkOf, rememberBookmark } from './bookmark';

// A type only: the agents module also holds the server's prompts, which must stay out of the bundle.
export type { AgentName };

const BASE = '/api';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfterS: number | null;

  constructor(status: number, code: string, message: string, retryAfterS: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterS = retryAfterS;
  }
}

const unauthorizedListeners = new Set<() => void>();

/** Called whenever a request answers 401, so the auth store can ask the user to sign in again. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export async function errorFromResponse(res: Response): Promise<ApiError> {
  let code = res.status === 401 ? 'unauthorized' : 'internal';
  let message = res.statusText || `Request failed (${res.status})`;
  try {
    const body: unknown = await res.json();
    const error = typeof body === 'object' && body !== null && 'error' in body ? (body as { error: unknown }).error : null;
    if (typeof error === 'object' && error !== null) {
      const e = error as { code?: unknown; message?: unknown };
      if (typeof e.code === 'string') code = e.code;
      if (typeof e.message === 'string') message = e.message;
    }
  } catch {
    // Not our JSON (a proxy's HTML page): keep the status text.
  }
  const retryAfter = Number(res.headers.get('Retry-After'));
  return new ApiError(res.status, code, message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
}

export const networkError = () => new ApiError(0, 'network', "Can't reach Clarity. Check your connection and try again.");

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Query = Record<string, string | number | undefined>;

export interface CallOptions {
  json?: unknown;
  query?: Query;
  /** A 401 here is an answer (wrong password, already signed out), not an expired sign-in. */
  quiet401?: boolean;
}

/** `/api` + path + the defined query parameters. */
export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const search = params.toString();
  return `${BASE}${path}${search ? `?${search}` : ''}`;
}

/** One request: the success body (undefined for 204), or a thrown ApiError (status 0 when the network failed). */
export async function call<T>(method: Method, path: string, options: CallOptions = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path, options.query), {
      // credentials: fetch's default, same-origin, sends the session cookie.
      method,
      headers: { ...bookmarkHeaders(), ...(options.json === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw networkError();
  }
  rememberBookmark(bookmarkOf(res));
  if (!res.ok) {
    const error = await errorFromResponse(res);
    if (error.status === 401 && !options.quiet401) for (const listener of unauthorizedListeners) listener();
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

const id = (value: string) => encodeURIComponent(value);

export interface Credentials {
  email: string;
  password: string;
}
export type ArchiveFilter = 'exclude' | 'only' | 'include';
export interface ChatListQuery {
  agent: string;
  archived?: ArchiveFilter;
  q?: string;
  cursor?: string;
  limit?: number;
}
export interface ChatPatch {
  title?: string;
  archived?: boolean;
}
/** `before` pages back through history, `after` catches up; never both. */
export type MessagesQuery = ({ before: number; after?: never } | { after: number; before?: never }) & { limit?: number };
export interface SessionOpenBody {
  agent: string;
  chatId?: string;
  clientInstanceId?: string;
}
export interface TaskFieldsBody {
  title?: string;
  notes?: string;
  status?: TaskStatus;
  priority?: TaskPriority;
  dueAt?: number | null;
}
export type TaskCreateBody = TaskFieldsBody & { title: string };
export interface TaskListQuery {
  status?: TaskStatus;
  cursor?: string;
  limit?: number;
}

export const api = {
  health: () => call<HealthDto>('GET', '/health'),
  auth: {
    me: () => call<{ user: UserDto }>('GET', '/auth/me', { quiet401: true }),
    login: (body: Credentials) => call<AuthResult>('POST', '/auth/login', { json: body, quiet401: true }),
    signup: (body: Credentials) => call<AuthResult>('POST', '/auth/signup', { json: body, quiet401: true }),
    logout: () => call<void>('POST', '/auth/logout', { quiet401: true }),
  },
  agents: {
    list: () => call<AgentsResponse>('GET', '/agents'),
    instructions: (agent: AgentName) => call<InstructionsDto>('GET', `/agents/${id(agent)}/instructions`),
    saveInstructions: (agent: AgentName, instructions: string) =>
      call<InstructionsDto>('PUT', `/agents/${id(agent)}/instructions`, { json: { instructions } }),
    memories: (agent: AgentName) => call<{ memories: MemoryDto[] }>('GET', `/agents/${id(agent)}/memories`),
    addMemory: (agent: AgentName, content: string) => call<{ memory: MemoryDto }>('POST', `/agents/${id(agent)}/memories`, { json: { content } }),
    deleteMemory: (agent: AgentName, memoryId: string) => call<void>('DELETE', `/agents/${id(agent)}/memories/${id(memoryId)}`),
  },
  chats: {
    list: (query: ChatListQuery) => call<ChatPage>('GET', '/chats', { query: { ...query } }),
    create: (agent: string) => call<{ chat: ChatDto }>('POST', '/chats', { json: { agent } }),
    get: (chatId: string) => call<{ chat: ChatDto }>('GET', `/chats/${id(chatId)}`),
    update: (chatId: string, patch: ChatPatch) => call<{ chat: ChatDto }>('PATCH', `/chats/${id(chatId)}`, { json: patch }),
    /** `memories: 'delete'` also deletes the memories the chat wrote; by default they are kept. */
    remove: (chatId: string, memories: 'delete' | 'keep' = 'keep') =>
      call<void>('DELETE', `/chats/${id(chatId)}`, { query: { memories: memories === 'delete' ? 'delete' : undefined } }),
    messages: (chatId: string, query: MessagesQuery) => call<MessagePage>('GET', `/chats/${id(chatId)}/messages`, { query: { ...query } }),
    /** The page centred on one message (opening a chat at it). */
    around: (chatId: string, seq: number, limit?: number) => call<AroundPage>('GET', `/chats/${id(chatId)}/messages`, { query: { around: seq, limit } }),
    /** What the next turn would send the model (SPEC §14). */
    context: (chatId: string) => call<ContextDto>('GET', `/chats/${id(chatId)}/context`),
    /** The memories this chat wrote. */
    memories: (chatId: string) => call<{ memories: MemoryDto[] }>('GET', `/chats/${id(chatId)}/memories`),
    draft: (chatId: string) => call<{ draft: DraftDto | null }>('GET', `/chats/${id(chatId)}/draft`),
    /**
     * Empty text clears; `sessionId` keeps the saving tab from being told its own text. Quiet on
     * 401: an expired sign-in must not interrupt typing (the text is kept locally, and sending asks).
     */
    saveDraft: (chatId: string, text: string, sessionId?: string) =>
      call<void>('PUT', `/chats/${id(chatId)}/draft`, { json: { text, ...(sessionId ? { sessionId } : {}) }, quiet401: true }),
    stop: (chatId: string) => call<void>('POST', `/chats/${id(chatId)}/stop`),
    shares: (chatId: string) => call<{ shares: ShareDto[] }>('GET', `/chats/${id(chatId)}/shares`),
    share: (chatId: string) => call<{ share: ShareDto }>('POST', `/chats/${id(chatId)}/shares`),
    revokeShare: (chatId: string, shareId: string) => call<void>('DELETE', `/chats/${id(chatId)}/shares/${id(shareId)}`),
  },
  /** Full-text search of the caller's messages (SPEC §15); no agent searches them all. */
  search: (q: string, agent?: string, limit?: number) => call<SearchResponse>('GET', '/search', { query: { q, agent, limit } }),
  /** A shared chat, readable without login: a 401 here means nothing about the visitor's sign-in. */
  shares: {
    get: (shareId: string) => call<SharedChatDto>('GET', `/shares/${id(shareId)}`, { quiet401: true }),
  },
  sessions: {
    open: (body: SessionOpenBody) => call<SessionOpenResult>('POST', '/sessions', { json: body }),
    heartbeat: (sessionId: string) => call<void>('POST', `/sessions/${id(sessionId)}/heartbeat`),
    /** Quiet: after a logout the server has ended it already. */
    end: (sessionId: string) => call<void>('POST', `/sessions/${id(sessionId)}/end`, { quiet401: true }),
  },
  tasks: {
    list: (query: TaskListQuery = {}) => call<TaskPage>('GET', '/tasks', { query: { ...query } }),
    get: (taskId: string) => call<{ task: TaskDto }>('GET', `/tasks/${id(taskId)}`),
    create: (body: TaskCreateBody) => call<{ task: TaskDto }>('POST', '/tasks', { json: body }),
    update: (taskId: string, patch: TaskFieldsBody) => call<{ task: TaskDto }>('PATCH', `/tasks/${id(taskId)}`, { json: patch }),
    remove: (taskId: string) => call<void>('DELETE', `/tasks/${id(taskId)}`),
  },
};

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/** One id per tab for SPEC §3 (refresh reuses the tab's session); sessionStorage is per tab. */
export function clientInstanceId(): string {
  const KEY = 'clarity:client-instance-id';
  try {
    const existing = sessionStorage.getItem(KEY);
    if (existing) return existing;
    const id = crypto.randomUUID();
    sessionStorage.setItem(KEY, id);
    return id;
  } catch {
    return crypto.randomUUID();
  }
}
