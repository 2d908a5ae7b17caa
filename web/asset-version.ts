// Stable names for the dashboard's built files, and the cache-busting that lets them be stable: the app's
// entry script and stylesheet are always `assets/index.js` and `assets/index.css` (a rebuild changes them
// in place, so web/dist's diff is the change, not a renamed copy of the whole app), and index.html names
// each with `?v=<hash of its content>`, so the edge can still let browsers keep them for a year (a new
// build is a new URL). Lazily loaded chunks (elkjs) keep a content hash in their name: the app's script
// names them, and only a hashed name tells a cached app script which chunk it needs.
import { createHash } from "node:crypto"
import type { Plugin } from "vite"

export const OUTPUT_NAMES = {
  entryFileNames: "assets/[name].js",
  chunkFileNames: "assets/[name]-[hash].js",
  assetFileNames: "assets/[name][extname]",
}

/** The `v` a file's URL carries: the start of the SHA-256 of its content, base64url. */
export const contentVersion = (content: string | Uint8Array): string =>
  createHash("sha256").update(content).digest("base64url").slice(0, 12)

/** Adds `?v=<content version>` to each built file index.html names, once every file is in its final form. */
export const assetVersions = (): Plugin => ({
  name: "clawbot-asset-versions",
  apply: "build",
  generateBundle: {
    order: "post",
    handler(_options, bundle) {
      const page = bundle["index.html"]
      if (page?.type !== "asset") return
      page.source = String(page.source).replace(/(src|href)="\/(assets\/[^"?]+)"/g, (whole, attribute: string, file: string) => {
        const output = bundle[file]
        if (output === undefined) return whole
        return `${attribute}="/${file}?v=${contentVersion(output.type === "chunk" ? output.code : output.source)}"`
      })
    },
  },
})
