// The dashboard served by the edge at `/` (docs/dashboard.md): the page the build wrote to WEB_DIST,
// without a token (the page asks for one), revalidated on every load and locked to this edge by its
// Content-Security-Policy; each built file under /assets/ with its content type, cached for a year (the page
// names each with its content's version, `?v=`); nothing else is served from there, however the name is spelled.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WEB_DIST } from "../../../web/dist-path.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"

describe("the dashboard's files", () => {
  let t: TestEdge

  beforeAll(async () => {
    t = await testEdge({ runtime: false })
  })
  afterAll(async () => {
    await t?.close()
  })

  it("serves the built page at / to anyone, revalidated on every load, with its security headers", async () => {
    const page = await t.api.get("/", { token: null })
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8")
    expect(page.headers.get("cache-control")).toBe("no-cache")
    expect(page.headers.get("x-content-type-options")).toBe("nosniff")
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'")
    expect(page.body).toBe(readFileSync(join(WEB_DIST, "index.html"), "utf8"))
  })

  it("serves every file the page names with its content type, cached for a year", async () => {
    const page = (await t.api.get("/", { token: null })).body as string
    const named = [...page.matchAll(/(?:src|href)="(\/assets\/[^"?]+)\?v=[\w-]+"/g)].map((match) => [match[0], match[1]!] as const)
    expect(named.map(([, path]) => path.split(".").at(-1)).sort()).toEqual(["css", "js"])
    for (const [url, path] of named) {
      const file = await t.api.get(url.replace(/^(?:src|href)="|"$/g, ""), { token: null })
      expect(file.status).toBe(200)
      expect(file.headers.get("content-type")).toBe(path.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8")
      expect(file.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
      expect(file.body).toBe(readFileSync(join(WEB_DIST, path), "utf8"))
    }
  })

  it("answers 404 for a name the build did not write, however it is spelled", async () => {
    for (const path of ["/assets/nope.js", "/assets/..%2Fdist-path.ts", "/assets/%2e%2e%2f%2e%2e%2fpackage.json", "/index.html"]) {
      const answer = await t.api.get(path, { token: null })
      expect({ path, status: answer.status, code: answer.body.error.code }).toEqual({ path, status: 404, code: "not_found" })
    }
    expect((await t.api.get("/assets/nope.js", { token: null })).body.error.message).toBe("/assets/nope.js: no such file")
  })
})
