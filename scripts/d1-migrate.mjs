// `npm run db:migrate:local` / `db:migrate:remote`: every D1 database of wrangler.toml — the
// directory and each shard — gets its own lineage of migrations (SPEC §17).
import { applyD1Migrations, d1Bindings } from './lib/d1-migrations.mjs';

const remote = process.argv.includes('--remote');
try {
  process.stdout.write(await applyD1Migrations({ remote }));
  console.log(`Migrations applied (${remote ? 'remote' : 'local'}): ${d1Bindings().join(', ')}`);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
