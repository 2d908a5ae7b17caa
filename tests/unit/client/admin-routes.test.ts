// The admin client names every HTTP route of docs/protocol.md: each method is called against a fetch
// that records what it was asked, and the recorded routes are the contract's, no more, no fewer.
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { createAdmin, type FetchLike } from "../../../src/client/index.ts"

const ID = "9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11"

/** `METHOD /path` of each route the contract names in backticks (the Tokens and HTTP sections), `{a,b}` expanded. */
function contract(): string[] {
  const document = readFileSync(new URL("../../../docs/protocol.md", import.meta.url), "utf8")
  const text = document.slice(document.indexOf("## Tokens"), document.indexOf("## Bot control socket"))
  const routes = new Set<string>()
  for (const [, method, path] of text.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s?]*)[^`]*`/gu)) {
    if (path === "/" || path === "/api/v1/*") continue
    const choice = /\{([a-z_]+(?:,[a-z_]+)+)\}/u.exec(path as string)
    for (const one of choice ? (choice[1] as string).split(",").map((c) => (path as string).replace(choice[0], c)) : [path])
      routes.add(`${method} ${one}`)
  }
  return [...routes].sort()
}

describe("the admin client", () => {
  it("has a method for every route of the contract", async () => {
    const asked = new Set<string>()
    const recording: FetchLike = async (url, init) => {
      const path = new URL(url).pathname
        .replace(/^\/api\/v1/u, "")
        .replaceAll(ID, "{id}")
        .replace(/\/(task|agent|session)(?=\/|$)/u, "/{kind}")
        .replace("/groups/tenant-a", "/groups/{key}")
      asked.add(`${init.method} ${path}`)
      return { status: 200, headers: { get: () => null }, text: async () => '{"items":[],"next_cursor":null}' }
    }
    const a = createAdmin({ url: "http://edge.example", token: "t", fetch: recording })
    const task = { title: "t", capability: "c" }
    await Promise.all([
      a.agents.register({ name: "n", capabilities: ["c"] }),
      a.agents.list(),
      a.agents.get(ID),
      a.agents.deregister(ID),
      a.agents.rotateToken(ID),
      a.agents.drain(ID),
      a.agents.resume(ID),
      a.agents.heartbeat(ID),
      a.agents.route({ capabilities: ["c"] }),
      a.sessions.create({ title: "s" }),
      a.workflows.create({ name: "w", steps: [task] }),
      a.sessions.list(),
      a.sessions.get(ID),
      ...(["start", "pause", "resume", "stop", "cancel", "retry"] as const).map((action) => a.sessions.act(ID, action)),
      a.sessions.checkpoint(ID, {}),
      a.sessions.timeline(ID),
      a.sessions.delete(ID),
      a.tasks.create(task),
      a.tasks.batch([task]),
      a.tasks.list(),
      a.tasks.get(ID),
      a.tasks.claim(ID),
      a.tasks.start(ID),
      a.tasks.progress(ID, { progress: 0.5 }),
      a.tasks.complete(ID),
      a.tasks.fail(ID),
      a.tasks.cancel(ID),
      a.tasks.approve(ID),
      a.tasks.reject(ID, "no"),
      a.tasks.decompose(ID, { template: "crud" }),
      a.tasks.dependencies(ID),
      a.groups.put("tenant-a", { max_in_flight: 2 }),
      a.groups.list(),
      a.groups.get("tenant-a"),
      a.contexts.create({ scope: "global", data: {} }),
      a.contexts.get(ID),
      a.contexts.patch(ID, { set: { "a.b": 1 } }),
      a.contexts.history(ID),
      a.contexts.diff(ID, 1, 2),
      a.contexts.merge({ ids: [ID, "0f0e0d0c-0b0a-4908-8706-050403020100"], strategy: "last_write_wins" }),
      a.machines.list(),
      a.machines.get("task"),
      a.actors.list(),
      a.actors.get("task", ID),
      a.actors.history("task", ID),
      a.actors.send("task", ID, { type: "CANCEL" }),
      a.deadLetters.list(),
      a.deadLetters.replay(ID),
      a.deadLetters.delete(ID),
      a.deadLetters.get(ID),
      a.viewerTokens.create(),
      a.viewerTokens.revoke(ID),
      a.health(),
      a.live(),
      a.ready(),
      a.metrics(),
      a.openapi(),
    ])
    // Beyond the contract: GET /dead-letters/{id} (the edge serves it) and the OpenAPI document's own path.
    const beyond = ["GET /dead-letters/{id}"]
    expect([...asked].filter((route) => !beyond.includes(route)).sort()).toEqual(contract())
  })
})
