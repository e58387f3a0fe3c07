/**
 * The open chat: its history (paged upward), the composer's draft, and turns streamed over SSE.
 * The rules for applying events live in lib/conversation.ts; this class does the I/O.
 */
import type { MessageDto, TurnResult } from '../../../src/shared/protocol';
import { api, ApiError, call, errorFromResponse, messageOf, networkError } from '../lib/api';
import { addPending, applyTurnEvent, chatItems, discardPending, emptyConversation, failPending, firstSeq, lastSeq, mergeMessages } from '../lib/conversation';
import type { Conversation, TurnError } from '../lib/conversation';
import { DraftStore } from '../lib/drafts';
import { readTurnEvents } from '../lib/sse';
import { auth } from './auth.svelte';
import { chatList } from './chat-list.svelte';
import { sessions } from './session.svelte';

type OpenResult = Awaited<ReturnType<typeof sessions.open>>;
export type ChatInfo = OpenResult['chat'];

const PAGE_SIZE = 50;

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
  conversation = $state<Conversation>(emptyConversation());
  hasMore = $state(false);
  loading = $state(false);
  loadingOlder = $state(false);
  loadError = $state<string | null>(null);
  draft = $state('');
  /** The clientMessageId whose reply is streaming, if any. */
  activeTurn = $state<string | null>(null);
  stopping = $state(false);

  items = $derived(chatItems(this.conversation));
  /** A send is waiting for the user to sign in again, in place. */
  awaitingRelogin = $derived(this.conversation.pending.some((p) => p.state === 'unauthorized'));
  streaming = $derived(this.activeTurn !== null);

  #drafts = new DraftStore(storage());
  #abort: AbortController | null = null;
  #loadToken = 0;

  constructor() {
    sessions.onReopened((result) => {
      if (result.chat.id === this.chat?.id) this.#absorb(result.messages);
    });
    auth.onSignedIn(() => this.#resumeAfterLogin());
  }

  /** Show a chat: opens this tab's session on it (or on the agent's latest chat when chatId is null). */
  async load(agent: string, chatId: string | null): Promise<ChatInfo | null> {
    if (this.chat && this.chat.id === chatId && this.agent === agent && !this.loadError) return this.chat;
    const token = ++this.#loadToken;
    this.#abort?.abort();
    this.#abort = null;
    this.activeTurn = null;
    this.agent = agent;
    this.loading = true;
    this.loadError = null;
    if (this.chat?.id !== chatId) {
      this.chat = null;
      this.conversation = emptyConversation();
      this.draft = '';
    }
    try {
      const result = await sessions.open(agent, chatId);
      if (token !== this.#loadToken) return null;
      this.chat = result.chat;
      this.conversation = { ...emptyConversation(), messages: mergeMessages([], result.messages) };
      this.hasMore = result.hasMore;
      this.draft = auth.user ? this.#drafts.get(auth.user.id, result.chat.id) : '';
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
    this.#loadToken++;
    this.#abort?.abort();
    this.#abort = null;
    this.activeTurn = null;
    this.chat = null;
    this.agent = null;
    this.conversation = emptyConversation();
  }

  setDraft(text: string) {
    this.draft = text;
    if (auth.user && this.chat) this.#drafts.set(auth.user.id, this.chat.id, text);
  }

  async loadOlder(): Promise<void> {
    const chat = this.chat;
    const before = firstSeq(this.conversation);
    if (!chat || !this.hasMore || this.loadingOlder || before === null) return;
    this.loadingOlder = true;
    try {
      const page = await call(api.chats[':id'].messages.$get({ param: { id: chat.id }, query: { before: String(before), limit: String(PAGE_SIZE) } }));
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
      const page = await call(api.chats[':id'].messages.$get({ param: { id: chat.id }, query: { after: String(after), limit: '200' } }));
      if (this.chat?.id === chat.id) this.#absorb(page.messages);
    } catch {
      // A later turn or reload catches up instead.
    }
  }

  #absorb(messages: MessageDto[]) {
    this.conversation = { ...this.conversation, messages: mergeMessages(this.conversation.messages, messages) };
    const stored = new Set(messages.map((m) => m.clientMessageId).filter(Boolean));
    for (const p of this.conversation.pending)
      if (stored.has(p.clientMessageId) && p.state !== 'sending') this.conversation = discardPending(this.conversation, p.clientMessageId);
  }

  send(): void {
    const content = this.draft.trim();
    if (!content || !this.chat || this.streaming) return;
    this.draft = '';
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
      await call(api.chats[':id'].stop.$post({ param: { id: chat.id } }));
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
        res = await fetch(`/api/chats/${encodeURIComponent(chatId)}/messages`, {
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
        if (event.event === 'done') await this.catchUp(fromSeq);
        this.conversation = applyTurnEvent(this.conversation, clientMessageId, event);
        if (event.event === 'user_message') {
          acknowledged = true;
          if (auth.user) this.#drafts.settle(auth.user.id, chatId, content);
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
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
            // The stream ended without `done` (dropped connection): whatever was stored is the truth.
            this.conversation = { ...this.conversation, streaming: null };
            await this.catchUp(fromSeq);
          }
          void this.#refreshChat(chatId);
        }
      }
    }
  }

  /** A turn can change the chat (its first message sets the title): re-read it and the list. */
  async #refreshChat(chatId: string) {
    void chatList.refresh();
    try {
      const { chat } = await call(api.chats[':id'].$get({ param: { id: chatId } }));
      if (this.chat?.id === chatId) this.chat = chat;
    } catch {
      // The header keeps the old title until the next load.
    }
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
