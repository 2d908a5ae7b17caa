#!/usr/bin/env node
// The `clawbot` command: runs the compiled CLI (dist/, built by `npm run build`, which `npm install` runs).
import { existsSync } from "node:fs"

const cli = new URL("../dist/src/cli.js", import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write("clawbot: dist/ is missing: run `npm run build` (npm install runs it) in the clawbot-coordinator folder\n")
  process.exit(1)
}
const { runCli } = await import(cli.href)
const code = await runCli(process.argv.slice(2))
if (code !== "running") process.exitCode = code
