// docs/protocol.md (the project's copy of the wire contract) and the routes the edge serves agree:
// every route the contract names is in the OpenAPI document, and every route of the document is in
// the contract, except those not built yet (the list below) and those the document marks `x-extension`,
// which docs/protocol.md lists under "Beyond the contract". A route added or removed on either side fails
// this test.
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type TestEdge } from "../../support/edge.ts"

/** Routes of PROTOCOL v1.1 the edge does not serve yet (issue 9: coordination, complete). */
const NOT_BUILT: string[] = []

/** Routes the contract names outside `/api/v1` (health, metrics, the dashboard) or as a pattern. */
const OUTSIDE_API = new Set(["GET /", "GET /health", "GET /live", "GET /ready", "GET /metrics", "GET /api/v1/*"])

/** Every `METHOD /path` (in backticks) of the document's text from `start` to `end`, `{a,b}` alternatives
 * expanded, queries dropped, relative to `/api/v1`: the contract's Tokens and HTTP API sections, or its list of
 * what is beyond it. */
const routesIn = (document: string, start: string, end: string): string[] => {
  const text = document.slice(document.indexOf(start), document.indexOf(end))
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
  /** The served routes the document marks as extensions. */
  let extensions: string[]

  beforeAll(async () => {
    t = await testEdge()
    const document = (await t.api.get("/api/v1/openapi.json", { token: null })).body as {
      paths: Record<string, Record<string, { "x-extension"?: string; description?: string }>>
    }
    const operations = Object.entries(document.paths)
      .filter(([path]) => path.startsWith("/api/v1/"))
      .flatMap(([path, byMethod]) =>
        Object.entries(byMethod).map(([method, operation]) => ({
          route: `${method.toUpperCase()} ${path.slice("/api/v1".length)}`,
          operation,
        })),
      )
    served = operations.map(({ route }) => route).sort()
    extensions = operations
      .filter(({ operation }) => operation["x-extension"] !== undefined)
      .map(({ route, operation }) => {
        expect(operation["x-extension"]).toBe("beyond PROTOCOL v1.1")
        expect(operation.description).toMatch(/^Beyond PROTOCOL v1\.1: .{20,}/u)
        return route
      })
      .sort()
  })
  afterAll(async () => {
    await t?.close()
  })

  it("serves every route of docs/protocol.md but those not built yet, and none it does not name but its marked extensions", () => {
    const document = readFileSync(new URL("../../../docs/protocol.md", import.meta.url), "utf8")
    const contract = routesIn(document, "## Tokens", "## Bot control socket")
    expect(contract.filter((route) => !served.includes(route)).sort()).toEqual([...NOT_BUILT].sort())
    expect(served.filter((route) => !contract.includes(route)).sort()).toEqual(extensions)
    expect(extensions).toEqual(["GET /actors/counts", "GET /dead-letters/{id}", "POST /contexts/{id}/share"])
    // docs/protocol.md lists exactly the marked routes under "Beyond the contract", outside the contract's sections.
    expect(routesIn(document, "## Beyond the contract", "## Notes on this implementation")).toEqual(extensions)
  })
})
