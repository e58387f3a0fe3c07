import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

/**
 * Every test runs in the Workers runtime against the real wrangler.toml (a directory and two
 * shards, SPEC §17), real D1 migrations and the project's mock model server over loopback
 * (started by test/global-setup.ts). Lifecycle numbers are shrunk so alarms and expiry are
 * testable without waiting minutes.
 *
 * Two projects: `app`, everything, with wrangler.toml's bindings as they are; and
 * `shard-growth`, the same Worker deployed with one more shard (SHARD_2), where a test sees
 * users placed before it was added keep working.
 */
const workersRuntime = (extraShards: Record<string, string> = {}) =>
  cloudflareTest(async ({ inject }) => ({
    wrangler: { configPath: './wrangler.toml' },
    miniflare: {
      ...(Object.keys(extraShards).length > 0 ? { d1Databases: extraShards } : {}),
      bindings: {
        DIRECTORY_MIGRATIONS: await readD1Migrations('./migrations/directory'),
        SHARD_MIGRATIONS: await readD1Migrations('./migrations/shard'),
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
  }));

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/apply-migrations.ts'],
    testTimeout: 20_000,
    projects: [
      { extends: true, plugins: [workersRuntime()], test: { name: 'app', include: ['test/**/*.test.ts'], exclude: ['test/shard-growth/**'] } },
      {
        extends: true,
        plugins: [workersRuntime({ SHARD_2: 'clarity-edge-shard-2' })],
        test: { name: 'shard-growth', include: ['test/shard-growth/**/*.test.ts'] },
      },
    ],
  },
});
