import type { D1Migration } from 'cloudflare:test';

declare global {
  namespace Cloudflare {
    interface Env {
      DIRECTORY_MIGRATIONS: D1Migration[];
      SHARD_MIGRATIONS: D1Migration[];
      /** A secret, set for tests in vitest.config.ts. */
      AUTH_TOKEN_SECRET?: string;
    }
  }
}
