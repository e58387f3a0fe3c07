/**
 * The open chat: its history (paged upward), the composer's draft, turns streamed over SSE, and
 * the chat's live socket, which brings every other tab's turns (and this tab's own after a
 * reload) as they stream. The rules for applying events and frames live in lib/conversation.ts
 * and lib/live-frames.ts; this class does the I/O.
 */
import { rememberBookmark } from '../lib/bookmark';
import type { ChatDto, DraftDto, MessagePage } from '../../../src/shared/api';
import type { LiveFrame, MessageDto, TurnResult } from '../../../src/shared/protocol';
import { api, ApiError, apiUrl, call, errorFromResponse, messageOf, networkError } from '../lib/api';
import {
  addPending,
  applyTurnEvent,
  catchUpAfter,
  chatItems,
  discardPending,
  emptyConversation,
  failPending,
  firstSeq,
  lastSeq,
  mergeMessages,
} from '../lib/conversation';
import type { ChatItem, Conversation, TurnError } from '../lib/conversation';
import { DraftSync } from '../lib/draft-sync';
import { DraftStore } from '../lib/drafts';
import { applyLiveFrame } from '../lib/live-frames';
import type { SocketTurn } from '../lib/live-frames';
import { LiveSocket } from '../lib/live-socket';
import { readTurnEvents } from '../lib/sse';
import { reuseItems } from '../lib/stable-items';
import { appInfo } from './app-info.svelte';
import { auth } from './auth.svelte';
import { chatList } from './chat-list.svelte';
import { sessions } from './session.svelte';

export type ChatInfo = ChatDto;

const PAGE_SIZE = 50;
/** The largest page `GET /messages` serves. */
const CATCH_UP_PAGE_SIZE = 200;
/** Bounds one catch-up: a tab that fell further behind than this reloads the chat instead. */
const CATCH_UP_MAX_PAGES = 10;
/** A message the server has acknowledged may still be in the executor's outbox, not yet in D1: ask again after these waits. */
const CATCH_UP_RETRY_MS = [300, 1_000, 3_000];
/** The composer's text is saved to the server once typing pauses this long (SPEC §14). */
const DRAFT_SAVE_DELAY_MS = 400;
/** Another tab's draft does not replace the composer's text within this long of a keystroke here. */
const DRAFT_EDIT_GRACE_MS = 3_000;

function storage(): Storage | null {
  try {
    return localStorage;
  } catch {
    return null;
  }
}

class ChatStore {
  agent = $state<string | null>(null);
  chat = $state<ChatInfo | null>(null);
  /** Raw: always replaced whole by the pure functions of lib/conversation.ts, never mutated in place. */
  conversation = $state.raw<Conversation>(emptyConversation());
  hasMore = $state(false);
  loading = $state(false);
  loadingOlder = $state(false);
  loadError = $state<string | null>(null);
  draft = $state('');
  /** The clientMessageId whose reply this tab streams over SSE, if any. */
  activeTurn = $state<string | null>(null);
  stopping = $state(false);
  /** The live socket is connected and answering: other tabs' turns show as they stream. */
  live = $state(false);
  /** A message of the open chat to scroll to and mark (opened from a memory's source). */
  focus = $state<{ chatId: string; seq: number } | null>(null);

  #shownItems: readonly ChatItem[] = [];
  /** The rows to render; a row whose data did not change keeps its identity, so only the streaming one re-renders. */
  items = $derived.by(() => (this.#shownItems = reuseItems(this.#shownItems, chatItems(this.conversation))));
  /** A send is waiting for the user to sign in again, in place. */
  awaitingRelogin = $derived(this.conversation.pending.some((p) => p.state === 'unauthorized'));
  /** A reply is streaming: this tab's own, or another tab's seen over the live socket (the server takes one turn at a time). */
  streaming = $derived(this.activeTurn !== null || this.conversation.streaming !== null);

  #drafts = new DraftSync({
    local: new DraftStore(storage()),
    save: (chatId, text) => api.chats.saveDraft(chatId, text, sessions.current?.chatId === chatId ? sessions.current.id : undefined),
    saveDelayMs: DRAFT_SAVE_DELAY_MS,
    editGraceMs: DRAFT_EDIT_GRACE_MS,
  });
  #abort: AbortController | null = null;
  #loadToken = 0;
  #socket: LiveSocket | null = null;
  #socketKey: string | null = null;
  #socketTurn: SocketTurn = null;
  #turnEnded = new Set<(chatId: string) => void>();
  /** Reads of the chat row: only the newest may show its title (see #retitled). */
  #chatReads = 0;
  #focusWanted: { chatId: string; seq: number } | null = null;

  constructor() {
    sessions.onReopened((result) => {
      if (result.chat.id !== this.chat?.id) return;
      this.#absorb(result.messages);
      if (result.draft) this.#remoteDraft(result.chat.id, result.draft);
      this.#follow();
    });
    auth.onSignedIn(() => this.#resumeAfterLogin());
    auth.onSignedIn(() => this.#drafts.resume());
    // A closing tab says so on its socket (1000), which ends its session at once.
    addEventListener('pagehide', () => this.#unfollow());
    // Back online: reconnect now rather than at the end of a backoff wait of up to 30 s.
    addEventListener('online', () => {
      if (this.#socket && !this.#socket.healthy) this.#socket.reconnect();
      this.#drafts.resume();
    });
  }

  /** Runs when a turn on the open chat ended, this tab's or another's (what the agent sees has changed). */
  onTurnEnded(listener: (chatId: string) => void) {
    this.#turnEnded.add(listener);
    return () => this.#turnEnded.delete(listener);
  }

  /** Show a chat: opens this tab's session on it (or on the agent's latest chat when chatId is null). */
  async load(agent: string, chatId: string | null): Promise<ChatInfo | null> {
    if (this.chat && this.chat.id === chatId && this.agent === agent && !this.loadError) return this.chat;
    // The chat screen is still up while logout closes it: opening it again would be refused a moment later (a 401 in the console).
    if (auth.signingOut) return null;
    const token = ++this.#loadToken;
    this.#abort?.abort();
    this.#abort = null;
    this.activeTurn = null;
    // Leaving the chat (or the agent) ends this tab's session on it: say so before opening the next.
    if (this.chat?.id !== chatId || this.agent !== agent) this.#unfollow();
    this.agent = agent;
    this.loading = true;
    this.loadError = null;
    if (this.chat?.id !== chatId) {
      this.chat = null;
      this.conversation = emptyConversation();
      this.draft = '';
      this.focus = null;
    }
    try {
      const result = await sessions.open(agent, chatId);
      if (token !== this.#loadToken) return null;
      this.chat = result.chat;
      this.conversation = { ...emptyConversation(), messages: mergeMessages([], result.messages) };
      this.hasMore = result.hasMore;
      this.draft = auth.user ? this.#drafts.open(auth.user.id, result.chat.id, result.draft) : '';
      this.#follow();
      if (this.#focusWanted?.chatId === result.chat.id) void this.#showFocus();
      return result.chat;
    } catch (error) {
      if (token === this.#loadToken) this.loadError = messageOf(error);
      return null;
    } finally {
      if (token === this.#loadToken) this.loading = false;
    }
  }

  /** Leave the chat view (logout, another screen): stop reading any stream; the server finishes it. */
  close() {
    this.#drafts.leave();
    this.#loadToken++;
    this.#unfollow();
    this.#abort?.abort();
    this.#abort = null;
    this.activeTurn = null;
    this.chat = null;
    this.agent = null;
    this.conversation = emptyConversation();
  }

  /** Show message `seq` of `chatId` once that chat is open (the caller navigates there): the page around it, scrolled to and marked. */
  openAt(chatId: string, seq: number) {
    this.focus = null;
    this.#focusWanted = { chatId, seq };
    if (this.chat?.id === chatId && !this.loading) void this.#showFocus();
  }

  async #showFocus() {
    const wanted = this.#focusWanted;
    const chatId = this.chat?.id;
    if (!wanted || wanted.chatId !== chatId) return;
    this.#focusWanted = null;
    if (!this.conversation.messages.some((m) => m.seq === wanted.seq)) {
      try {
        const page = await api.chats.around(chatId, wanted.seq, PAGE_SIZE);
        if (this.chat?.id !== chatId) return;
        // The page around it, then on to the newest: the live channel and catch-up expect the newest held.
        this.conversation = { ...this.conversation, messages: mergeMessages([], page.messages) };
        this.hasMore = page.hasMoreBefore;
        if (page.hasMoreAfter) await this.catchUp();
      } catch {
        // The message is gone (or unreachable): the chat stays open at its end, unmarked.
        return;
      }
    }
    if (this.chat?.id === chatId) this.focus = wanted;
  }

  setDraft(text: string) {
    this.draft = text;
    this.#drafts.typed(text);
  }

  async loadOlder(): Promise<void> {
    const chat = this.chat;
    const before = firstSeq(this.conversation);
    if (!chat || !this.hasMore || this.loadingOlder || before === null) return;
    this.loadingOlder = true;
    try {
      const page = await api.chats.messages(chat.id, { before, limit: PAGE_SIZE });
      if (this.chat?.id !== chat.id) return;
      this.conversation = { ...this.conversation, messages: mergeMessages(this.conversation.messages, page.messages) };
      this.hasMore = page.hasMore;
    } catch (error) {
      this.loadError = messageOf(error);
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Fetch whatever was stored after our newest message (another tab's turn, a reply we stopped reading). */
  async catchUp(after = lastSeq(this.conversation)): Promise<void> {
    const chat = this.chat;
    if (!chat) return;
    try {
      for (let page = 0; page < CATCH_UP_MAX_PAGES; page++) {
        const result = await api.chats.messages(chat.id, { after, limit: CATCH_UP_PAGE_SIZE });
        if (this.chat?.id !== chat.id) return;
        this.#absorb(result.messages);
        const last = result.messages.at(-1);
        if (!result.hasMore || !last) return;
        after = last.seq;
      }
    } catch {
      // A later turn or reload catches up instead.
    }
  }

  /** Hold every message through `throughSeq`; a just-acknowledged one may take a moment to reach D1. */
  async #catchUpThrough(chatId: string, throughSeq: number): Promise<void> {
    for (const wait of [0, ...CATCH_UP_RETRY_MS]) {
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (this.chat?.id !== chatId) return;
      const after = catchUpAfter(this.conversation, throughSeq);
      if (after === null) return;
      await this.catchUp(after);
    }
  }

  // ── live channel ─────────────────────────────────────────────────────────────

  /** Keep one socket on the open chat, with this tab's current session on it. */
  #follow() {
    const chat = this.chat;
    const session = sessions.current;
    if (!chat || !session || session.chatId !== chat.id) return;
    const key = `${chat.id}:${session.id}`;
    if (this.#socket && this.#socketKey === key) return;
    this.#unfollow();
    const chatId = chat.id;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.#socketKey = key;
    this.#socket = new LiveSocket({
      url: `${scheme}//${location.host}/api/chats/${encodeURIComponent(chatId)}/live?sessionId=${encodeURIComponent(session.id)}`,
      pingIntervalMs: appInfo.pingIntervalMs,
      onFrame: (frame) => this.#onFrame(chatId, frame),
      onHealth: (healthy) => {
        this.live = healthy;
        sessions.setLiveHealthy(healthy);
        if (!healthy) this.#lostLive();
      },
      onSessionEnded: () => {
        if (sessions.current?.id === session.id) void sessions.reopen();
      },
      onConnectFailed: () => void sessions.verify(),
    });
  }

  /** Close the socket on purpose: 1000 tells the server this tab left the chat. */
  #unfollow() {
    const socket = this.#socket;
    this.#socket = null;
    this.#socketKey = null;
    socket?.close();
    if (socket) this.#lostLive();
    this.live = false;
    sessions.setLiveHealthy(false);
  }

  /** Without a socket another tab's reply can no longer be followed: the snapshot on reconnect resumes it. */
  #lostLive() {
    this.#socketTurn = null;
    if (this.conversation.streaming && this.conversation.streaming.clientMessageId !== this.activeTurn) {
      this.conversation = { ...this.conversation, streaming: null };
    }
  }

  #onFrame(chatId: string, frame: LiveFrame) {
    if (this.chat?.id !== chatId) return;
    if (frame.type === 'draft') return this.#remoteDraft(chatId, frame);
    // Another tab switched branches (SPEC §16): show the path it chose.
    if (frame.type === 'head') return void this.reloadPath(chatId);
    if (frame.type === 'title') return this.#retitled(chatId, frame.title);
    const step = applyLiveFrame({ conversation: this.conversation, socketTurn: this.#socketTurn }, frame, this.activeTurn);
    this.conversation = step.conversation;
    this.#socketTurn = step.socketTurn;
    if (step.catchUpThrough !== null) void this.#catchUpThrough(chatId, step.catchUpThrough);
    if (step.remoteTurnEnded) void this.#refreshChat(chatId);
  }

  /** Another tab's draft reaches the composer unless the user is typing here. */
  #remoteDraft(chatId: string, draft: DraftDto) {
    const text = this.#drafts.remote(chatId, draft);
    if (text !== null && this.chat?.id === chatId) this.draft = text;
  }

  #absorb(messages: MessageDto[]) {
    this.conversation = { ...this.conversation, messages: mergeMessages(this.conversation.messages, messages) };
    const stored = new Set(messages.map((m) => m.clientMessageId).filter(Boolean));
    for (const p of this.conversation.pending)
      if (stored.has(p.clientMessageId) && p.state !== 'sending') this.conversation = discardPending(this.conversation, p.clientMessageId);
  }

  // ── branches (SPEC §16; the requests are in branches.svelte.ts) ────────────────

  /** An edit or a regeneration replaces the message at `seq` and what follows it on the path. */
  cutFrom(seq: number) {
    this.conversation = { ...this.conversation, messages: this.conversation.messages.filter((m) => m.seq < seq) };
  }

  /** Show another branch's path in place of the current one. */
  showPath(chatId: string, page: MessagePage) {
    if (this.chat?.id !== chatId) return;
    this.conversation = { ...this.conversation, messages: page.messages };
    this.hasMore = page.hasMore;
  }

  /** The newest page of the head's path, read again. */
  async reloadPath(chatId: string) {
    try {
      this.showPath(chatId, await call<MessagePage>('GET', `/chats/${encodeURIComponent(chatId)}/messages`, { query: { limit: PAGE_SIZE } }));
    } catch {
      // The next turn or reload brings the path.
    }
  }

  send(): void {
    const content = this.draft.trim();
    if (!content || !this.chat || this.streaming) return;
    this.draft = '';
    this.#drafts.sent();
    // The stored draft stays until the server acknowledges the message: a refresh mid-send keeps it.
    void this.#turn(this.chat.id, crypto.randomUUID(), content);
  }

  /** Same clientMessageId: the server answers a repeat with the stored turn instead of a second message. */
  retry(clientMessageId: string): void {
    if (!this.chat || this.streaming) return;
    const pending = this.conversation.pending.find((p) => p.clientMessageId === clientMessageId);
    const stored = this.conversation.messages.find((m) => m.clientMessageId === clientMessageId);
    const content = pending?.content ?? stored?.content;
    if (content === undefined) return;
    void this.#turn(this.chat.id, clientMessageId, content);
  }

  /** Drop a message that was never stored, putting its text back in the composer. */
  discard(clientMessageId: string): void {
    const pending = this.conversation.pending.find((p) => p.clientMessageId === clientMessageId);
    if (!pending) return;
    this.conversation = discardPending(this.conversation, clientMessageId);
    if (!this.draft.trim()) this.setDraft(pending.content);
  }

  async stop(): Promise<void> {
    const chat = this.chat;
    if (!chat || !this.streaming) return;
    this.stopping = true;
    try {
      await api.chats.stop(chat.id);
    } catch (error) {
      if (this.activeTurn)
        this.conversation = failPending(this.conversation, this.activeTurn, { code: 'stop_failed', message: `Couldn't stop the reply: ${messageOf(error)}` });
    } finally {
      this.stopping = false;
    }
  }

  async #resumeAfterLogin() {
    const waiting = this.conversation.pending.filter((p) => p.state === 'unauthorized');
    if (!this.chat || !this.agent || waiting.length === 0) return;
    // The old login's sessions ended with it: open a fresh one, then send what was typed.
    const chatId = this.chat.id;
    try {
      const result = await sessions.open(this.agent, chatId);
      this.#absorb(result.messages);
      this.#follow();
    } catch {
      return;
    }
    for (const p of waiting) if (this.chat?.id === chatId) await this.#turn(chatId, p.clientMessageId, p.content);
  }

  async #turn(chatId: string, clientMessageId: string, content: string, attempt = 0): Promise<void> {
    this.conversation = addPending(this.conversation, { clientMessageId, content, createdAt: Date.now() });
    this.activeTurn = clientMessageId;
    // Tool-call rounds are stored without an event of their own: fetch them from here once the turn is done.
    const fromSeq = lastSeq(this.conversation);
    const controller = new AbortController();
    this.#abort = controller;
    const sessionId = sessions.current?.chatId === chatId ? sessions.current.id : undefined;
    let acknowledged = false;
    try {
      let res: Response;
      try {
        res = await fetch(apiUrl(`/chats/${encodeURIComponent(chatId)}/messages`), {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
          body: JSON.stringify({ content, clientMessageId, ...(sessionId ? { sessionId } : {}) }),
          signal: controller.signal,
        });
      } catch (error) {
        if (controller.signal.aborted) return;
        throw error instanceof ApiError ? error : networkError();
      }
      if (sessionId) sessions.noteActivity();
      if (!res.ok) {
        const error = await errorFromResponse(res);
        if (error.status === 410 && attempt === 0 && this.agent) {
          // Our session lapsed (a sleeping laptop): open a new one and send again.
          await sessions.open(this.agent, chatId);
          this.#follow();
          return await this.#turn(chatId, clientMessageId, content, attempt + 1);
        }
        if (error.status === 401) {
          auth.expired = false;
          this.conversation = failPending(
            this.conversation,
            clientMessageId,
            { code: error.code, message: 'Your sign-in has expired. Sign in again to send this message.' },
            'unauthorized',
          );
          return;
        }
        this.conversation = failPending(this.conversation, clientMessageId, this.#describe(error));
        return;
      }
      if (!(res.headers.get('Content-Type') ?? '').includes('text/event-stream') || !res.body) {
        const result = (await res.json()) as TurnResult;
        acknowledged = true;
        this.#absorb([result.userMessage, ...(result.message ? [result.message] : [])]);
        if (result.error) this.conversation = failPending(this.conversation, clientMessageId, result.error);
        return;
      }
      for await (const event of readTurnEvents(res.body, controller.signal)) {
        if (this.chat?.id !== chatId) return;
        if (event.event === 'done') {
          // The executor's writes: the catch-up read that follows must see them (SPEC §17).
          if (event.data.bookmark) rememberBookmark(event.data.bookmark);
          await this.catchUp(fromSeq);
        }
        this.conversation = applyTurnEvent(this.conversation, clientMessageId, event);
        if (event.event === 'user_message') {
          acknowledged = true;
          this.#drafts.acknowledged(chatId, content, () => this.draft);
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      // The reply goes on on the server; a healthy socket shows the rest of it (see finally).
      if (acknowledged && this.#socket?.healthy) return;
      if (this.chat?.id === chatId)
        this.conversation = failPending(
          this.conversation,
          clientMessageId,
          acknowledged ? { code: 'network', message: 'The connection dropped while the reply was streaming.' } : this.#describe(error),
        );
    } finally {
      if (this.#abort === controller) {
        this.#abort = null;
        if (this.activeTurn === clientMessageId) this.activeTurn = null;
        if (this.chat?.id === chatId) {
          if (this.conversation.streaming?.clientMessageId === clientMessageId) {
            // The stream ended without `done` (dropped connection): whatever was stored is the truth,
            // and a fresh socket snapshot picks up the reply if it is still being written.
            this.conversation = { ...this.conversation, streaming: null };
            if (acknowledged) this.#socket?.reconnect();
            await this.catchUp(fromSeq);
          }
          void this.#refreshChat(chatId);
        }
      }
    }
  }

  /** A turn can change the chat (its first message sets the title): re-read it and the list. */
  async #refreshChat(chatId: string) {
    for (const listener of this.#turnEnded) listener(chatId);
    void chatList.refresh();
    const read = ++this.#chatReads;
    try {
      const { chat } = await api.chats.get(chatId);
      if (this.chat?.id === chatId && read === this.#chatReads) this.chat = chat;
    } catch {
      // The header keeps the old title until the next load.
    }
  }

  /**
   * The chat's title changed elsewhere (a rename in another tab) or was written by the model after
   * the first reply (SPEC §4.7): shown at once in the header and the list, without moving the row.
   * A read of the chat that started before it must not bring the old title back.
   */
  #retitled(chatId: string, title: string) {
    this.#chatReads++;
    if (this.chat?.id === chatId) this.chat = { ...this.chat, title };
    chatList.retitle(chatId, title);
  }

  #describe(error: unknown): TurnError {
    if (error instanceof ApiError) {
      if (error.code === 'busy') return { code: 'busy', message: 'Still answering your previous message. Try again in a moment.' };
      if (error.code === 'rate_limited')
        return { code: error.code, message: `You're sending messages quickly. Try again${error.retryAfterS ? ` in ${error.retryAfterS} s` : ' shortly'}.` };
      return { code: error.code, message: error.message };
    }
    return { code: 'internal', message: messageOf(error) };
  }
}

export const chat = new ChatStore();
