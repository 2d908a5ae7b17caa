#!/usr/bin/env -S node --max-semi-space-size=32
// The `clawbot` command: runs the compiled CLI (dist/, built by `npm run build`, which `npm install` runs).
// The shebang's node flags are the servers' own (docs/deployment.md "Node flags"): a young generation twice
// V8's default, so a busy runtime scavenges half as often. `node bin/clawbot.js` does not read them.
import { existsSync } from "node:fs"

const cli = new URL("../dist/src/cli.js", import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write("clawbot: dist/ is missing: run `npm run build` (npm install runs it) in the clawbot-coordinator folder\n")
  process.exit(1)
}
const { runCli } = await import(cli.href)
const code = await runCli(process.argv.slice(2))
if (code !== "running") process.exitCode = code
