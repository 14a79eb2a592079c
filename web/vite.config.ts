// The console's build: web/ → dist/web, served by `serve` at / (src/api/console-routes.ts).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: { outDir: '../dist/web', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { port: 18610, proxy: { '/v1': 'http://127.0.0.1:18600', '/client': 'http://127.0.0.1:18600' } },
});
