import { defineConfig } from "vite";

// The UI is served by `vigil serve` from `dist/` (same origin as the API, so the session
// cookie and CSP `'self'` cover both). `npm run dev -w @vigil/web` proxies the API to a
// running server on :8080.
export default defineConfig({
  root: import.meta.dirname,
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
