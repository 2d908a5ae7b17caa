#!/usr/bin/env node
// `npm run build`: compiles src/, machines/ and actors/ to dist/ (tsconfig.build.json) and copies the
// files the code reads at run time beside it, at the same relative places: the Lua scripts
// (dist/src/redis/scripts/) and the migrations (dist/migrations/). Also the e2e tests' global setup.
import { execFile } from "node:child_process"
import { cp, mkdir, readdir, rm } from "node:fs/promises"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const ROOT = fileURLToPath(new URL("..", import.meta.url))
const DIST = `${ROOT}dist/`

/** The resources, each copied from the repository to the same path under dist/. */
const RESOURCES = [
  { from: "src/redis/scripts", only: ".lua" },
  { from: "migrations", only: ".sql" },
]

/**
 * Builds dist/ from scratch. With `tolerateTypeErrors` a type error is printed but does not fail the build
 * (tsc still emits), so the tests can run the code while `npm run typecheck` reports the errors.
 */
export async function build({ tolerateTypeErrors = false } = {}) {
  await rm(DIST, { recursive: true, force: true })
  const tsc = createRequire(import.meta.url)
    .resolve("typescript/package.json")
    .replace(/package\.json$/, "bin/tsc")
  try {
    await promisify(execFile)(process.execPath, [tsc, "-p", `${ROOT}tsconfig.build.json`], { cwd: ROOT })
  } catch (error) {
    const output = `${error.stdout ?? ""}${error.stderr ?? ""}`.trim() || String(error)
    if (!tolerateTypeErrors) throw new Error(`tsc failed:\n${output}`)
    process.stderr.write(`build: type errors (dist/ built anyway; see npm run typecheck):\n${output}\n`)
  }
  for (const { from, only } of RESOURCES) {
    await mkdir(`${DIST}${from}`, { recursive: true })
    for (const name of await readdir(`${ROOT}${from}`)) {
      if (name.endsWith(only)) await cp(`${ROOT}${from}/${name}`, `${DIST}${from}/${name}`)
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  build().catch((error) => {
    process.stderr.write(`${error.message}\n`)
    process.exitCode = 1
  })
}
