import { cloudflare } from '@cloudflare/vite-plugin';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const repo = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The SPA lives in web/ (Vite's root) and the Worker in src/; the Cloudflare plugin runs the
 * Worker inside workerd during `vite dev` and builds both for `wrangler dev` / `wrangler deploy`.
 */
export default defineConfig({
  root: repo('./web'),
  publicDir: repo('./web/public'),
  plugins: [svelte(), cloudflare({ configPath: repo('./wrangler.toml'), persistState: { path: repo('./.wrangler/state') } })],
  build: { outDir: repo('./dist/client'), emptyOutDir: true },
  server: { port: 5173, strictPort: true },
});
