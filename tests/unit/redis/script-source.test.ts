// Scripts are run as their expanded source: each `-- @include <part>` replaced by the part, once.
import { readdirSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { scriptSource } from "../../../src/redis/script-source.ts"

const scripts = readdirSync(new URL("../../../src/redis/scripts/", import.meta.url))
  .filter((file) => file.endsWith(".lua"))
  .map((file) => file.slice(0, -".lua".length))

describe("scriptSource", () => {
  it("puts the shared deadline check into the scripts that take a deadline", () => {
    for (const name of ["append", "dead-letter-replay"]) {
      const source = scriptSource(name)
      expect(source).toContain("local function deadline_passed(deadline)")
      expect(source).not.toMatch(/^-- @include/mu)
      expect(source.indexOf("local function deadline_passed")).toBeLessThan(source.indexOf("if deadline_passed("))
    }
  })

  it("leaves no include unexpanded in any script", () => {
    for (const name of scripts) expect(scriptSource(name), name).not.toMatch(/^-- @include/mu)
  })
})
