import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

/**
 * Every test runs in the Workers runtime against the real wrangler.toml, real D1 migrations
 * and the project's mock model server over loopback (started by test/global-setup.ts).
 * Lifecycle numbers are shrunk so alarms and expiry are testable without waiting minutes.
 */
export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations('./migrations'),
          OPENAI_BASE_URL: inject<string>('mockModelUrl'),
          OPENAI_TIMEOUT_MS: '2000',
          AUTH_TOKEN_SECRET: 'test-login-signing-secret',
          MAX_TOOL_ROUNDS: '3',
          HISTORY_WINDOW: '8',
          MEMORY_LIMIT: '5',
          // Below MEMORY_LIMIT, so a test can see the prompt take only the newest few.
          MEMORY_PROMPT_LIMIT: '3',
          // Low enough that the exact per-(user, agent) limit is reachable in a test.
          TURNS_PER_MINUTE: '8',
        },
      },
    })),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/apply-migrations.ts'],
    testTimeout: 20_000,
  },
});
