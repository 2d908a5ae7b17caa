// The browser's part of the client (src/client/index.ts: subscriber, mirrors, bot, admin) bundles for
// the browser with no Node built-in: esbuild (the bundler under Vite) refuses any `node:` import there.
import { build } from "esbuild"
import { describe, expect, it } from "vitest"

describe("clawbot-coordinator/client in a browser bundle", () => {
  it("bundles for the browser platform without Node built-ins", async () => {
    const result = await build({
      entryPoints: ["src/client/index.ts"],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
      metafile: true,
    })
    expect(result.errors).toEqual([])
    const inputs = Object.keys(result.metafile.inputs)
    expect(inputs.filter((path) => path.startsWith("node:") || /node_modules\/ws\//u.test(path))).toEqual([])
    expect(inputs.filter((path) => /^(src\/(edge|store|redis|runtime\/(?!merge-patch))|machines|actors)/u.test(path))).toEqual([])
  })
})
