// Builds the dashboard (web/src, Preact) into WEB_DIST: index.html, the app's script and stylesheet under
// stable names, and the elk chunk under a hashed one (asset-version.ts says why), all text (no images or
// fonts), which the edge's dashboard route serves.
import preact from "@preact/preset-vite"
import { defineConfig } from "vite"
import { assetVersions, OUTPUT_NAMES } from "./asset-version.ts"
import { WEB_DIST } from "./dist-path.ts"

export default defineConfig({
  root: new URL(".", import.meta.url).pathname,
  base: "/",
  plugins: [preact(), assetVersions()],
  build: {
    outDir: WEB_DIST,
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: { output: OUTPUT_NAMES },
  },
})
