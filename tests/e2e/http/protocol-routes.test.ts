// docs/protocol.md (the project's copy of the wire contract) and the routes the edge serves agree:
// every route the contract names is in the OpenAPI document, and every route of the document is in
// the contract, except the two lists below, which say what is not built yet (issue 9) and what the
// edge serves beyond the contract. A route added or removed on either side fails this test.
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type TestEdge } from "../../support/edge.ts"

/** Routes of PROTOCOL v1.1 the edge does not serve yet (issue 9: coordination, complete). */
const NOT_BUILT: string[] = []

/** Routes the edge serves that the contract does not name: one dead letter read by its id; sharing a context with a session;
 * the counts by state a dashboard starts from (docs/protocol.md, "Extensions beyond PROTOCOL v1.1"). */
const BEYOND = ["GET /actors/counts", "GET /dead-letters/{id}", "POST /contexts/{id}/share"]

/** Routes the contract names outside `/api/v1` (health, metrics, the dashboard) or as a pattern. */
const OUTSIDE_API = new Set(["GET /", "GET /health", "GET /live", "GET /ready", "GET /metrics", "GET /api/v1/*"])

/** Every `METHOD /path` of the contract's Tokens and HTTP API sections (in backticks), `{a,b}`
 * alternatives expanded, queries dropped, relative to `/api/v1`. */
const contractRoutes = (document: string): string[] => {
  const text = document.slice(document.indexOf("## Tokens"), document.indexOf("## Bot control socket"))
  const routes = new Set<string>()
  for (const [route, method, path] of text.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s?]*)[^`]*`/gu)) {
    if (OUTSIDE_API.has(`${method} ${path}`) || route.includes("/ws/")) continue
    const alternatives = /\{([a-z_]+(?:,[a-z_]+)+)\}/u.exec(path!)
    const paths = alternatives ? alternatives[1]!.split(",").map((one) => path!.replace(alternatives[0], one)) : [path!]
    for (const one of paths) routes.add(`${method} ${one}`)
  }
  return [...routes].sort()
}

describe("the contract and the routes served", () => {
  let t: TestEdge
  let served: string[]

  beforeAll(async () => {
    t = await testEdge()
    const document = (await t.api.get("/api/v1/openapi.json", { token: null })).body as { paths: Record<string, Record<string, unknown>> }
    served = Object.entries(document.paths)
      .filter(([path]) => path.startsWith("/api/v1/"))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.slice("/api/v1".length)}`))
      .sort()
  })
  afterAll(async () => {
    await t?.close()
  })

  it("serves every route of docs/protocol.md but those not built yet, and none it does not name but those listed", () => {
    const contract = contractRoutes(readFileSync(new URL("../../../docs/protocol.md", import.meta.url), "utf8"))
    expect(contract.filter((route) => !served.includes(route)).sort()).toEqual([...NOT_BUILT].sort())
    expect(served.filter((route) => !contract.includes(route)).sort()).toEqual([...BEYOND].sort())
  })
})
