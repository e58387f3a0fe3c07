/**
 * "The model request has left": the moment a turn may make its user message durable.
 *
 * A Durable Object's output gate holds every outgoing message — a subrequest included — while
 * a storage write is unconfirmed. Writing the user's message before calling the model would
 * make the model request wait for the write (SPEC §12.2 forbids it); writing it right after the
 * request is dispatched lets both proceed together, while the acknowledgment (`user_message`)
 * still leaves only once the write is confirmed. The openai SDK dispatches its request after
 * a few awaits of its own, so the turn learns the moment from the client's `fetch`, through
 * an AsyncLocalStorage set around the model call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const onRequestSent = new AsyncLocalStorage<() => void>();

/** The model client's fetch: dispatches, then tells the turn around it (every retry too). */
export const fetchThenSignal: typeof fetch = (input, init) => {
  const response = fetch(input, init);
  onRequestSent.getStore()?.();
  return response;
};

/** Runs the model call with `sent` called as soon as its HTTP request is on its way. */
export function whenRequestSent<T>(sent: () => void, call: () => Promise<T>): Promise<T> {
  return onRequestSent.run(sent, call);
}
