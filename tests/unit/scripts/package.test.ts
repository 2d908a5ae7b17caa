// The package runs compiled: `clawbot` is bin/clawbot.js on dist/, which `npm install` builds and the package
// ships; TypeScript tooling (tsx, typescript) is for development only.
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { binNodeFlags } from "../../../bench/support/clawbot-process.ts"

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

  it("runs its servers with the shebang's node flags, which the bench passes on too", async () => {
    const bin = join(ROOT, "bin/clawbot.js")
    expect(readFileSync(bin, "utf8").split("\n")[0]).toBe("#!/usr/bin/env -S node --max-semi-space-size=32")
    expect(binNodeFlags(bin)).toEqual(["--max-semi-space-size=32"])
    expect(pkg.scripts["start"]).toBe("bin/clawbot.js start")
    // Run as a program (as npm's bin link and `npm start` run it), the shebang's flags reach node: a preloaded
    // file reports node's own flags.
    const dir = mkdtempSync(join(tmpdir(), "clawbot-bin-"))
    const preload = join(dir, "exec-argv.cjs")
    writeFileSync(preload, "process.stderr.write(JSON.stringify(process.execArgv))")
    const env = { ...process.env, NODE_OPTIONS: `--require ${preload}` }
    const { stdout, stderr } = await promisify(execFile)(bin, ["--help"], { cwd: ROOT, env })
    rmSync(dir, { recursive: true })
    expect(stdout).toMatch(/^usage: clawbot <command>/)
    expect(JSON.parse(stderr)).toEqual(["--max-semi-space-size=32"])
  })

  // That the Lua scripts and migrations ship in dist/ and are found there, CI shows by starting the packed package.
  it("builds on install and ships dist/, bin/ and the dashboard's built files", () => {
    expect(pkg.scripts["prepare"]).toBe("node scripts/build.mjs")
    expect(pkg.scripts["build"]).toBe("node scripts/build.mjs")
    expect(pkg.files.sort()).toEqual(["bin/", "dist/", "web/dist/"])
  })
})
