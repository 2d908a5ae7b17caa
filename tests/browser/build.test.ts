// The dashboard's committed build (web/dist/, what every edge serves) is what web/src/ builds to now:
// a change to the app without `npm run build:web` and its files committed fails here, not in a
// user's browser. The build is deterministic, so the two compare exactly. The app's script and
// stylesheet keep their names through rebuilds (index.html names each with its content's version, so
// year-long caching still sees a new build); the elk chunk imports no other chunk, so its hashed name
// stays the same through rebuilds of the app.
import { execFile } from "node:child_process"
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"
import { contentVersion } from "../../web/asset-version.ts"
import { WEB_DIST } from "../../web/dist-path.ts"

const ROOT = new URL("../../", import.meta.url).pathname

/** Every file under `dir`, by its path relative to it, with its text. */
const files = async (dir: string): Promise<Record<string, string>> => {
  const found: Record<string, string> = {}
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    found[path.slice(dir.length + 1)] = await readFile(path, "utf8")
  }
  return found
}

describe("the dashboard's committed build", () => {
  let out: string | undefined
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true })
  })

  it("is what web/src builds to", async () => {
    out = await mkdtemp(join(tmpdir(), "clawbot-web-"))
    await promisify(execFile)(
      join(ROOT, "node_modules/.bin/vite"),
      ["build", "--config", "web/vite.config.ts", "--outDir", out, "--emptyOutDir"],
      { cwd: ROOT, env: { ...process.env, NODE_ENV: "production" } },
    )
    const built = await files(out)
    const committed = await files(WEB_DIST.replace(/\/$/, ""))
    expect(Object.keys(committed).sort(), "run npm run build:web and commit web/dist/").toEqual(Object.keys(built).sort())
    for (const [name, text] of Object.entries(built)) expect(committed[name] === text, `${name} differs: run npm run build:web`).toBe(true)
  }, 120_000)

  it("names the app's script and stylesheet stably, and index.html gives each its content's version", async () => {
    const committed = await files(WEB_DIST.replace(/\/$/, ""))
    expect(
      Object.keys(committed)
        .filter((name) => !name.startsWith("assets/elk-engine-"))
        .sort(),
    ).toEqual(["assets/index.css", "assets/index.js", "index.html"])
    const named = [...(committed["index.html"] ?? "").matchAll(/(?:src|href)="\/(assets\/[^"?]+)\?v=([\w-]+)"/g)]
    expect(named.map(([, name, version]) => ({ name, version }))).toEqual(
      ["assets/index.js", "assets/index.css"].map((name) => ({ name, version: contentVersion(committed[name] ?? "") })),
    )
  })

  it("keeps elkjs in a chunk that imports nothing, so its name changes only with elkjs", async () => {
    const committed = await files(WEB_DIST.replace(/\/$/, ""))
    const elk = Object.keys(committed).filter((name) => /^assets\/elk-engine-[\w-]+\.js$/.test(name))
    expect(elk).toHaveLength(1)
    expect(committed[elk[0] ?? ""]).not.toMatch(/from\s*["']\.\//)
  })
})
