// Builds the dashboard (web/src, Preact) into WEB_DIST: index.html plus hashed files under assets/,
// all text (no images or fonts), which the edge's dashboard route serves.
import preact from "@preact/preset-vite"
import { defineConfig } from "vite"
import { WEB_DIST } from "./dist-path.ts"

export default defineConfig({
  root: new URL(".", import.meta.url).pathname,
  base: "/",
  plugins: [preact()],
  build: { outDir: WEB_DIST, emptyOutDir: true, assetsInlineLimit: 0, sourcemap: false, chunkSizeWarningLimit: 2000 },
})
