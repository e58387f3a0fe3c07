// One simulated user: signs up once, then visits and leaves again and again until the soak
// ends. A visit opens one or two tabs on a chat (each its own session, some with a live
// socket, the others beating over HTTP), does a handful of turns, tool calls, stops and drops,
// and leaves — half the tabs cleanly (end + socket 1000), half by vanishing, so the alarm has
// to end their sessions. Between visits the user is idle long enough for eviction. Clients
// retry as the web client does: the same clientMessageId, a re-opened session after a 410.
import { randomUUID } from 'node:crypto';
import { LiveLink } from './live-link.mjs';

const AGENT = 'assistant';
const PASSWORD = 'chaos soak password';
/** Sends of one turn at most (the first and its retries), so every turn ends. */
const MAX_SENDS = 8;
/** Model faults a turn may ask the mock for (mock-model/README.md). */
const FAULTS = ['500', '500x3', '429', 'hang', 'cut', 'malformed', 'wait'];

/** @typedef {import('./observations.mjs').Observations} Observations */

/**
 * @typedef {{ api: import('./api.mjs').Api, obs: Observations, config: ReturnType<import('./config.mjs').readChaosConfig>,
 *   stopping(): boolean, wait(ms: number): Promise<void>, links: Set<LiveLink>, runId: string }} RunContext
 */

export class SimUser {
  /** @param {number} index @param {RunContext} run @param {ReturnType<import('./random.mjs').createRandom>} random */
  constructor(index, run, random) {
    this.index = index;
    this.run = run;
    this.random = random;
    this.token = null;
    this.userId = null;
    this.twoTabs = random.chance(run.config.twoTabShare);
    /** @type {string[]} */
    this.chats = [];
  }

  async live() {
    if (!(await this.#signUp())) return;
    while (!this.run.stopping()) {
      await this.#visit();
      // Idle: no session, nothing in flight, so the executor's alarm evicts it (EXECUTOR_IDLE_TTL_S).
      await this.run.wait(this.random.int(3_000, 20_000));
    }
  }

  /** Sign-up survives a kill that swallows its answer: a 409 means it happened, so log in. */
  async #signUp() {
    const email = `chaos-${this.run.runId}-${this.index}@example.com`;
    let path = '/auth/signup';
    while (!this.run.stopping()) {
      const answer = await this.run.api.request('POST', path, { body: { email, password: PASSWORD } });
      if (answer.ok) {
        this.token = answer.data.token;
        this.userId = answer.data.user.id;
        return true;
      }
      if (answer.status === 409) path = '/auth/login';
      else if (!retryable(answer)) {
        this.run.obs.unexpectedAnswer(`POST ${path}`, answer);
        return false;
      }
      await this.run.wait(answer.retryAfterS ? answer.retryAfterS * 1000 : this.random.int(500, 2000));
    }
    return false;
  }

  async #visit() {
    const { obs } = this.run;
    obs.count('visits');
    const chatId = await this.#chooseChat();
    const tabs = [];
    const first = new Tab(this, this.random.chance(this.run.config.socketShare));
    tabs.push(first);
    if (!(await first.open(chatId))) return this.#leave(tabs);
    if (this.twoTabs) {
      const second = new Tab(this, this.random.chance(this.run.config.socketShare));
      tabs.push(second);
      if (!(await second.open(first.chatId))) return this.#leave(tabs);
    }
    const actions = this.random.int(3, 10);
    for (let i = 0; i < actions && !this.run.stopping(); i++) {
      if (this.random.chance(0.03)) {
        await this.#sleep(tabs);
        continue;
      }
      const tab = this.random.pick(tabs);
      const other = tabs.find((t) => t !== tab);
      // Now and then both tabs send at once: one of them meets `busy` and retries.
      if (other && this.random.chance(0.15)) await Promise.all([this.#act(tab), this.#act(other)]);
      else await this.#act(tab);
      await this.run.wait(this.random.int(this.run.config.thinkMs / 2, (this.run.config.thinkMs * 3) / 2));
    }
    await this.#leave(tabs);
  }

  /**
   * A laptop lid closed for longer than SESSION_TTL_S: no beats, sockets gone without a word.
   * The alarm expires the sessions; on waking, the heartbeat's 410 (or the refused socket) re-opens them.
   */
  async #sleep(tabs) {
    this.run.obs.count('sleeps');
    const ms = this.run.config.app.sessionTtlS * 1000 + this.random.int(2000, 8000);
    await Promise.all(tabs.map((tab) => tab.sleep(ms)));
  }

  /** The latest chat (no chatId), an older one, or a new one. */
  async #chooseChat() {
    if (this.chats.length > 0 && this.random.chance(0.2)) return this.random.pick(this.chats);
    if (this.chats.length === 0 || this.random.chance(0.9)) return undefined;
    for (let i = 0; i < 10 && !this.run.stopping(); i++) {
      const answer = await this.run.api.request('POST', '/chats', { token: this.token, body: { agent: AGENT } });
      if (answer.ok) {
        this.run.obs.count('chatsCreated');
        this.#knowChat(answer.data.chat.id);
        return answer.data.chat.id;
      }
      if (!retryable(answer)) {
        this.run.obs.unexpectedAnswer('POST /chats', answer);
        return undefined;
      }
      await this.run.wait(this.random.int(500, 2000));
    }
    return undefined;
  }

  #knowChat(chatId) {
    if (!this.chats.includes(chatId)) this.chats.push(chatId);
    this.run.obs.chats.set(chatId, this.index);
  }

  async #leave(tabs) {
    await Promise.all(tabs.map((tab) => tab.leave(this.random.chance(0.5) ? 'unload' : 'vanish')));
  }

  async #act(tab) {
    if (!(await tab.ensureOpen())) return;
    const { config } = this.run;
    const kind = this.random.weighted({
      plain: Math.max(0, 1 - config.faultShare - config.dropShare - 0.18),
      tool: 0.12,
      stop: 0.06,
      fault: config.faultShare,
      drop: config.dropShare,
    });
    await this.#turn(tab, kind);
  }

  /** One turn as the web client sends it, retried with the same clientMessageId until it ends. */
  async #turn(tab, kind) {
    const { obs, api } = this.run;
    const clientMessageId = randomUUID();
    const tag = `${this.index}-${clientMessageId.slice(0, 8)}`;
    const plan = this.#plan(kind, tag);
    const chatId = tab.chatId;
    obs.count('turnsAttempted');
    let acked = null;
    let lastReply = null;
    for (let send = 0; send < MAX_SENDS; send++) {
      if (send > 0) obs.count('resends');
      const controller = new AbortController();
      let text = '';
      let deltas = 0;
      let reply = null;
      let dropped = false;
      const result = await api.turn({
        token: this.token,
        chatId,
        body: { content: plan.content, clientMessageId, ...(tab.session ? { sessionId: tab.session.id } : {}) },
        controller,
        onEvent: (event, data) => {
          if (event === 'user_message') {
            obs.ack('sse', chatId, data.message);
            acked ??= data.message;
            tab.saw(data.message.seq);
          } else if (event === 'delta') {
            text += data.text;
            deltas += 1;
            if (send === 0 && deltas === plan.stopAt) this.#stop(chatId);
            if (send === 0 && deltas === plan.dropAt) {
              dropped = true;
              controller.abort();
            }
          } else if (event === 'tool_call') {
            obs.count('toolCalls');
            text = '';
          } else if (event === 'assistant_message') {
            obs.reply('sse', chatId, data.message);
            reply = data.message;
            tab.saw(data.message.seq);
          }
        },
      });
      if (reply) lastReply = reply;
      const { answer } = result;
      if (answer.status === 0) {
        obs.count('networkErrors');
        await this.run.wait(this.random.int(1000, 3000));
        continue;
      }
      if (answer.status !== 200) {
        // A 409 whose body died with the server cannot be told from busy: the client retries, as for busy.
        if (answer.code === 'busy' || (answer.status === 409 && answer.code === null)) obs.count('busy');
        else if (answer.status === 429) obs.count('rateLimited');
        else if (answer.status === 410) obs.count('gone');
        else if (answer.status >= 500) obs.count('serverErrors');
        else {
          obs.unexpectedAnswer(`POST /chats/:id/messages (${kind})`, answer);
          break;
        }
        if (answer.status === 410) await tab.reopen();
        else await this.run.wait(answer.retryAfterS ? answer.retryAfterS * 1000 : this.random.int(1000, 3000));
        continue;
      }
      if (result.finished) {
        // A reply stored as `error` is offered for retry; the user takes it about half the time.
        if (reply?.status === 'error' && this.random.chance(0.5) && !this.run.stopping()) {
          await this.run.wait(this.random.int(500, 2000));
          continue;
        }
        break;
      }
      // The stream ended early: the server died, or this client dropped it on purpose.
      obs.count(dropped ? 'streamsDropped' : 'streamsBroken');
      if (acked && deltas > 0) obs.streamed.push({ chatId, clientMessageId, text });
      if (!acked) {
        await this.run.wait(this.random.int(1000, 3000));
        continue;
      }
      await tab.catchUp(acked.seq);
      if (reply || this.run.stopping() || this.random.chance(0.5)) break;
      // "The connection dropped while the reply was streaming": the user retries the same message.
      await this.run.wait(this.random.int(500, 2000));
    }
    if (!acked) obs.count('unacknowledged');
    else {
      obs.count('acknowledged');
      if (!lastReply) obs.count('endUnseen');
      else obs.count({ complete: 'completed', interrupted: 'interrupted', error: 'errored' }[lastReply.status] ?? 'endUnseen');
    }
  }

  #plan(kind, tag) {
    const { random, run } = this;
    switch (kind) {
      case 'tool':
        // The mock calls create_task with the title "Buy chaos-<tag>": the audit counts tasks by it.
        return { content: `add a task to buy chaos-${tag}` };
      case 'stop':
        return { content: `chaos ${tag}: a long answer please [[slow]] [[tokens:40]]`, stopAt: random.int(2, 8) };
      case 'drop':
        return { content: `chaos ${tag}: stream this [[tokens:60]] [[delay:40]]`, dropAt: random.int(2, 20) };
      case 'fault': {
        const fault = random.pick(FAULTS);
        run.obs.fault(fault);
        const marker = fault === 'wait' ? '[[wait:1500]]' : `[[fault:${fault}]]`;
        return { content: `chaos ${tag}: this one fails ${marker} [[tokens:${random.int(10, 30)}]]` };
      }
      default:
        return { content: random.chance(0.5) ? `chaos ${tag}: tell me something [[tokens:${random.int(5, 40)}]]` : `chaos ${tag}: how is the weather today?` };
    }
  }

  #stop(chatId) {
    this.run.obs.count('stopsSent');
    void this.run.api.request('POST', `/chats/${encodeURIComponent(chatId)}/stop`, { token: this.token });
  }

  knowChat(chatId) {
    this.#knowChat(chatId);
  }
}

/** One browser tab: its clientInstanceId, its session, heartbeats or a live socket. */
class Tab {
  /** @param {SimUser} user */
  constructor(user, withSocket) {
    this.user = user;
    this.run = user.run;
    this.clientInstanceId = randomUUID();
    this.withSocket = withSocket;
    this.session = null;
    this.chatId = undefined;
    /** @type {LiveLink | null} */
    this.link = null;
    this.lastSeq = 0;
  }

  #beatTimer = null;
  #beatGeneration = 0;
  #reopening = null;
  #lastBeatAt = 0;
  #leaving = false;

  saw(seq) {
    this.lastSeq = Math.max(this.lastSeq, seq);
  }

  /** POST /sessions with this tab's clientInstanceId, retried through restarts. */
  async open(chatId) {
    const { api, obs } = this.run;
    while (!this.run.stopping() && !this.#leaving) {
      const sentAt = Date.now();
      const answer = await api.request('POST', '/sessions', {
        token: this.user.token,
        body: { agent: AGENT, clientInstanceId: this.clientInstanceId, ...(chatId ? { chatId } : {}) },
      });
      if (answer.ok) {
        this.session = answer.data.session;
        this.chatId = this.session.chatId;
        this.user.knowChat(this.chatId);
        obs.openedSession(this.session, this.user.index, sentAt);
        for (const m of answer.data.messages) this.saw(m.seq);
        this.#startBeats();
        if (this.withSocket) this.#connect();
        return true;
      }
      if (!retryable(answer)) {
        obs.unexpectedAnswer('POST /sessions', answer);
        return false;
      }
      await this.run.wait(answer.retryAfterS ? answer.retryAfterS * 1000 : this.user.random.int(500, 2000));
    }
    return false;
  }

  /** Before an action: the session this tab holds, or the one being re-opened, or a fresh one. */
  async ensureOpen() {
    if (this.#reopening) await this.#reopening;
    if (this.session) return true;
    return this.reopen().then(() => this.session !== null);
  }

  /** The session is over (410, a socket closed with 4000): open this tab's session again, once. */
  reopen() {
    this.#reopening ??= (async () => {
      this.run.obs.count('reopens');
      this.#stopBeats();
      if (this.link) {
        this.run.links.delete(this.link);
        this.link.close(4001);
      }
      this.link = null;
      this.session = null;
      await this.open(this.chatId);
    })().finally(() => (this.#reopening = null));
    return this.#reopening;
  }

  async sleep(ms) {
    this.#stopBeats();
    if (this.link) {
      this.run.links.delete(this.link);
      this.link.close(4001);
      this.link = null;
    }
    await this.run.wait(ms);
    if (this.#leaving || !this.session) return;
    this.#startBeats();
    await this.#beat();
    if (this.withSocket && this.session && !this.link) this.#connect();
  }

  #connect() {
    // One socket per tab: a socket left behind would keep pinging, and keep a session alive, after the tab left.
    if (this.link) {
      this.run.links.delete(this.link);
      this.link.close(4001);
    }
    const link = new LiveLink({
      baseUrl: this.run.api.baseUrl,
      token: this.user.token,
      chatId: this.chatId,
      sessionId: this.session.id,
      obs: this.run.obs,
      random: this.user.random,
      pingIntervalMs: this.run.config.app.heartbeatIntervalS * 1000,
      onSessionEnded: () => {
        this.run.links.delete(link);
        if (!this.#leaving) void this.reopen();
      },
      // A refused upgrade looks like a closed attempt: a heartbeat learns whether it was a 410.
      onConnectFailed: () => void this.#beat(),
      onReconnected: () => void this.catchUp(this.lastSeq),
    });
    this.link = link;
    this.run.links.add(link);
  }

  #startBeats() {
    this.#stopBeats();
    const every = this.run.config.app.heartbeatIntervalS * 1000;
    // A chain ends when a newer one starts or the beats stop, even if it was mid-request then.
    const generation = this.#beatGeneration;
    const tick = () => {
      this.#beatTimer = setTimeout(async () => {
        // An open, healthy socket's pings are the heartbeat; HTTP only while it is not.
        if (!this.link?.healthy) await this.#beat();
        if (generation === this.#beatGeneration) tick();
      }, every);
    };
    tick();
  }

  #stopBeats() {
    this.#beatGeneration += 1;
    if (this.#beatTimer !== null) clearTimeout(this.#beatTimer);
    this.#beatTimer = null;
  }

  async #beat() {
    const session = this.session;
    if (!session || this.#leaving || Date.now() - this.#lastBeatAt < 1000) return;
    this.#lastBeatAt = Date.now();
    const { api, obs } = this.run;
    const sentAt = Date.now();
    obs.count('heartbeats');
    const answer = await api.request('POST', `/sessions/${session.id}/heartbeat`, { token: this.user.token });
    obs.event(session.id, `heartbeat ${answer.status || answer.networkError}`);
    if (answer.status === 204) obs.signal(session.id, sentAt);
    else {
      obs.count('heartbeatsFailed');
      if ((answer.status === 410 || answer.status === 404) && this.session?.id === session.id && !this.#leaving) {
        obs.count('gone');
        await this.reopen();
      }
    }
  }

  /** After a dropped stream or a reconnect: the messages after `seq`, outbox included. */
  async catchUp(seq) {
    const { api, obs } = this.run;
    for (let i = 0; i < 10 && !this.#leaving; i++) {
      const answer = await api.request('GET', `/chats/${encodeURIComponent(this.chatId)}/messages?after=${seq}&limit=200`, { token: this.user.token });
      if (answer.ok) {
        obs.count('catchUps');
        for (const m of answer.data.messages) this.saw(m.seq);
        return;
      }
      if (!retryable(answer)) {
        obs.unexpectedAnswer('GET /chats/:id/messages?after=', answer);
        return;
      }
      await this.run.wait(this.user.random.int(500, 2000));
    }
  }

  /**
   * 'unload': the tab ends its session (one request, like sendBeacon) and closes its socket
   * with 1000. 'vanish': nothing is said; the socket drops; the alarm must end the session.
   */
  async leave(how) {
    this.#leaving = true;
    await this.#reopening?.catch(() => undefined);
    this.#stopBeats();
    const session = this.session;
    const { obs, api } = this.run;
    if (this.link) this.run.links.delete(this.link);
    if (!session) {
      this.link?.close(4001);
      return;
    }
    if (how === 'unload') {
      const answer = await api.request('POST', `/sessions/${session.id}/end`, { token: this.user.token });
      this.link?.close(1000);
      obs.left(session.id, answer.status === 204 ? 'unload' : 'unload-unconfirmed');
      obs.count(answer.status === 204 ? 'sessionsEnded' : 'sessionsVanished');
    } else {
      this.link?.close(4001);
      obs.left(session.id, 'vanished');
      obs.count('sessionsVanished');
    }
    this.link = null;
  }
}

/** A failure chaos explains (the server down or restarting, busy, a limit): try again. */
function retryable(answer) {
  return answer.status === 0 || answer.status >= 500 || answer.status === 429 || answer.code === 'busy';
}
