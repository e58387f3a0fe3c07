import { defineConfig } from 'drizzle-kit';

// Generates flat `0000_name.sql` files that `wrangler d1 migrations apply` reads.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './migrations',
  migrations: { prefix: 'index' },
});
