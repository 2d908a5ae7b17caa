// Scripts are run as their expanded source: each `-- @include <part>` replaced by the part, once.
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { scriptSource } from "../../../src/redis/script-source.ts"

const scripts = readdirSync(new URL("../../../src/redis/scripts/", import.meta.url))
  .filter((file) => file.endsWith(".lua"))
  .map((file) => file.slice(0, -".lua".length))

/** `fn` is defined once in the expanded script `name`, and called after its definition. */
const expectDefinedOnceBeforeUse = (name: string, fn: string): void => {
  const source = scriptSource(name)
  const definition = source.indexOf(`local function ${fn}(`)
  expect(definition, `${name}: ${fn}`).toBeGreaterThanOrEqual(0)
  expect(source.indexOf(`local function ${fn}(`, definition + 1), `${name}: ${fn}`).toBe(-1)
  expect(source.lastIndexOf(`${fn}(`), `${name} calls ${fn}`).toBeGreaterThan(definition + "local function ".length)
}

describe("scriptSource", () => {
  it("puts the shared deadline check into the scripts that take a deadline", () => {
    for (const name of ["append", "dead-letter-replay"]) {
      const source = scriptSource(name)
      expect(source).toContain("local function deadline_passed(deadline)")
      expect(source).not.toMatch(/^-- @include/mu)
      expect(source.indexOf("local function deadline_passed")).toBeLessThan(source.indexOf("if deadline_passed("))
    }
  })

  it("puts the ready queues' and idle agents' functions, defined in one part each, into the routing script before use", () => {
    const parts = { "ready-queues": ["ready_enqueue", "ready_take", "group_release"], "idle-agents": ["idle_mark", "idle_pop"] }
    const defines = (name: string, fn: string) =>
      readFileSync(new URL(`../../../src/redis/scripts/${name}.lua`, import.meta.url), "utf8").includes(`local function ${fn}(`)
    for (const [part, functions] of Object.entries(parts))
      for (const fn of functions)
        expect(
          scripts.filter((name) => defines(name, fn)),
          fn,
        ).toEqual([part])
    for (const fn of [...parts["ready-queues"], ...parts["idle-agents"]]) expectDefinedOnceBeforeUse("route-batch", fn)
  })

  it("orders stream entry ids by one function, defined once, in the scripts that compare them", () => {
    for (const name of ["route-batch", "inbox-backlog"]) {
      expectDefinedOnceBeforeUse(name, "stream_id_older")
      // No second copy of the parse.
      expect(scriptSource(name).split("(%d+)-(%d+)").length - 1, name).toBe(2)
    }
  })

  it("pushes an armed timer back by one function, defined once, in the scripts that extend an agent's expiry", () => {
    for (const name of ["timer-extend", "heartbeat-repeat"]) {
      expectDefinedOnceBeforeUse(name, "push_timer_back")
      // No second copy of the push.
      expect(scriptSource(name).split('"ZADD"').length - 1, name).toBe(1)
    }
  })

  it("leaves no include unexpanded in any script", () => {
    for (const name of scripts) expect(scriptSource(name), name).not.toMatch(/^-- @include/mu)
  })
})
