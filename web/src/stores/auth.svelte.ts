/** Who is signed in. `expired` means a request just answered 401: ask again without losing the screen. */
import type { UserDto } from '../../../src/shared/api';
import { api, onUnauthorized } from '../lib/api';

export type User = UserDto;

type Status = 'loading' | 'signed-out' | 'signed-in';

class AuthStore {
  user = $state<User | null>(null);
  status = $state<Status>('loading');
  expired = $state(false);
  /** Logging out: the screens still showing must not open anything new (a session, a socket) meanwhile. */
  signingOut = $state(false);
  #signedIn = new Set<(user: User) => void | Promise<void>>();
  #signingOut = new Set<() => void | Promise<void>>();

  constructor() {
    onUnauthorized(() => {
      if (this.status === 'signed-in') this.expired = true;
    });
  }

  async check(): Promise<void> {
    try {
      const { user } = await api.auth.me();
      this.user = user;
      this.status = 'signed-in';
    } catch {
      this.user = null;
      this.status = 'signed-out';
    }
  }

  async login(email: string, password: string): Promise<void> {
    const { user } = await api.auth.login({ email, password });
    await this.#became(user);
  }

  async signup(email: string, password: string): Promise<void> {
    const { user } = await api.auth.signup({ email, password });
    await this.#became(user);
  }

  async #became(user: User) {
    const switched = this.user !== null && this.user.id !== user.id;
    this.user = user;
    this.status = 'signed-in';
    this.expired = false;
    if (switched) location.assign('/');
    for (const listener of this.#signedIn) await listener(user);
  }

  async logout(): Promise<void> {
    this.signingOut = true;
    try {
      for (const listener of this.#signingOut) await listener();
      try {
        await api.auth.logout();
      } catch {
        // Already signed out on the server: nothing left to end.
      }
      this.user = null;
      this.status = 'signed-out';
      this.expired = false;
    } finally {
      this.signingOut = false;
    }
  }

  /** Runs after every successful sign-in, including a re-login in place. */
  onSignedIn(listener: (user: User) => void | Promise<void>) {
    this.#signedIn.add(listener);
    return () => this.#signedIn.delete(listener);
  }

  /** Runs before logout, while the cookie still works (e.g. to end this tab's session). */
  onSigningOut(listener: () => void | Promise<void>) {
    this.#signingOut.add(listener);
    return () => this.#signingOut.delete(listener);
  }
}

export const auth = new AuthStore();
