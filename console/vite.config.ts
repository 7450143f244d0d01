import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into console/dist and served by the hub at / (src/console/static.ts); in development,
// `npm run dev -w console` proxies the APIs to a hub on :8080.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed file names under assets/: the hub serves them as immutable.
    assetsDir: 'assets',
    chunkSizeWarningLimit: 2_000,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/v1': 'http://127.0.0.1:8080' },
  },
});
