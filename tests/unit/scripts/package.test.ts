// The package runs compiled: `clawbot` is bin/clawbot.js on dist/, which `npm install` builds and the package
// ships; TypeScript tooling (tsx, typescript) is for development only.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const ROOT = join(import.meta.dirname, "../../..")
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  bin: Record<string, string>
  files: string[]
  scripts: Record<string, string>
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

describe("the package", () => {
  it("runs the compiled CLI, without a TypeScript loader", () => {
    expect(pkg.bin).toEqual({ clawbot: "bin/clawbot.js" })
    const bin = readFileSync(join(ROOT, "bin/clawbot.js"), "utf8")
    expect(bin).toContain("../dist/src/cli.js")
    expect(bin).not.toMatch(/tsx|\.ts["']/)
    expect(Object.keys(pkg.dependencies)).not.toContain("tsx")
    expect(Object.keys(pkg.dependencies)).not.toContain("typescript")
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(["tsx", "typescript"]))
  })

  // That the Lua scripts and migrations ship in dist/ and are found there, CI shows by starting the packed package.
  it("builds on install and ships dist/, bin/ and the dashboard's built files", () => {
    expect(pkg.scripts["prepare"]).toBe("node scripts/build.mjs")
    expect(pkg.scripts["build"]).toBe("node scripts/build.mjs")
    expect(pkg.files.sort()).toEqual(["bin/", "dist/", "web/dist/"])
  })
})
