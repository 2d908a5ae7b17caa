#!/usr/bin/env node
// Adds to package-lock.json the optional platform packages npm left out (npm/cli#4828): npm 11
// then refuses `npm ci` with "Missing: <package> from lock file". Run after changing
// dependencies: `node scripts/complete-lockfile.mjs && npm ci --dry-run`.
import { readFileSync, writeFileSync } from "node:fs"

const path = new URL("../package-lock.json", import.meta.url)
const lock = JSON.parse(readFileSync(path, "utf8"))
const packages = lock.packages
let added = 0
for (const [where, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`
    if (packages[key] || packages[`${where}/${key}`]) continue
    // The registry reachable here may not serve other platforms' builds: record what the
    // parent declares; npm skips an optional package whose fetch or platform check fails.
    packages[key] = { version: String(version), ...(entry.dev ? { dev: true } : {}), optional: true }
    added += 1
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))))
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`complete-lockfile: added ${added} optional package entries`)
