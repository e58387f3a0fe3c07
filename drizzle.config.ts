import { defineConfig } from 'drizzle-kit';

/**
 * Two databases, two migration lineages (SPEC §17): `DRIZZLE_DB=directory` for the directory
 * (binding DB), `DRIZZLE_DB=shard` for every SHARD_<n>. `npm run db:generate` runs both.
 * Flat `0000_name.sql` files are what `wrangler d1 migrations apply` reads.
 */
const database = process.env.DRIZZLE_DB === 'shard' ? 'shard' : 'directory';

export default defineConfig({
  dialect: 'sqlite',
  schema: `./src/db/${database}-schema.ts`,
  out: `./migrations/${database}`,
  migrations: { prefix: 'index' },
});
