import { cloudflare } from '@cloudflare/vite-plugin';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';

const repo = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The Cloudflare plugin writes `.wrangler/deploy/config.json` (which redirects `wrangler dev` and
 * `wrangler deploy` to the built Worker) under Vite's root, here web/. Wrangler looks for it
 * next to wrangler.toml, so move it to the repo root with its path re-resolved.
 */
function deployConfigAtRepoRoot(): Plugin {
  const written = repo('./web/.wrangler/deploy/config.json');
  const target = repo('./.wrangler/deploy/config.json');
  return {
    name: 'clarity:deploy-config-at-repo-root',
    apply: 'build',
    closeBundle: {
      order: 'post',
      handler() {
        if (!existsSync(written)) return;
        const config = JSON.parse(readFileSync(written, 'utf8')) as { configPath: string; auxiliaryWorkers: { configPath: string }[] };
        const rebase = (path: string) => relative(dirname(target), resolve(dirname(written), path));
        const moved = {
          ...config,
          configPath: rebase(config.configPath),
          auxiliaryWorkers: config.auxiliaryWorkers.map((w) => ({ configPath: rebase(w.configPath) })),
        };
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, JSON.stringify(moved));
        rmSync(repo('./web/.wrangler'), { recursive: true, force: true });
      },
    },
  };
}

/**
 * The SPA lives in web/ (Vite's root) and the Worker in src/. The Cloudflare plugin runs the
 * Worker inside workerd during `vite dev` (sharing wrangler's local state, so `npm run dev`'s
 * migrations apply) and builds dist/client (static assets) and dist/clarity_edge (the Worker).
 */
export default defineConfig({
  root: repo('./web'),
  plugins: [
    svelte({ configFile: repo('./svelte.config.js') }),
    cloudflare({
      configPath: repo('./wrangler.toml'),
      persistState: { path: repo('./.wrangler/state') },
    }),
    deployConfigAtRepoRoot(),
  ],
  build: { outDir: repo('./dist'), emptyOutDir: true },
  server: { port: 5173, strictPort: true },
});
