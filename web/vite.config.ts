import babel from "@rolldown/plugin-babel";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The API runs on the aiohttp server (./scripts/serve, port 8000); `npm run dev` proxies to it.
const api = "http://127.0.0.1:8000";

export default defineConfig({
  // babel-plugin-relay turns each graphql`...` tag into an import of the compiler's artifact
  plugins: [react(), babel({ plugins: ["relay"] })],
  // React, Relay and Mantine are one vendor chunk of ~770 kB (~225 kB gzipped), screens their own
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1000 },
  server: {
    proxy: { "/graphql": api, "/auth": api, "/files": api },
  },
});
