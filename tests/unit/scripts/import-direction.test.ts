// The import-direction check `npm run lint` runs (scripts/check-imports.ts): the repository keeps
// ARCHITECTURE.md's rules, and an import that breaks one is named with the rule it breaks.
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { checkRepository, importsOf, violations } from "../../../scripts/check-imports.ts"

describe("the import direction", () => {
  it("holds in this repository", () => {
    expect(checkRepository(join(import.meta.dirname, "../../.."))).toEqual([])
  })

  it("reads static, re-exported, dynamic and bare imports, relative ones only", () => {
    const text = [
      'import { a } from "./a.ts"',
      'import type { B } from "../src/runtime/b.ts"',
      'export { c } from "./c.ts"',
      'const d = await import("../src/edge/d.ts")',
      'import "./e.ts"',
      'import { Schema } from "effect"',
    ].join("\n")
    expect(importsOf("machines/x.ts", text)).toEqual([
      "machines/a.ts",
      "src/runtime/b.ts",
      "machines/c.ts",
      "src/edge/d.ts",
      "machines/e.ts",
    ])
  })

  it("names each import that breaks a rule", () => {
    expect(violations("machines/task.ts", ["machines/effects.ts", "src/schema/common.ts"])).toEqual([
      "machines/task.ts imports src/schema/common.ts: machines/ imports nothing of ours",
    ])
    expect(violations("src/runtime/router.ts", ["actors/index.ts", "machines/task.ts", "src/store/db.ts"])).toEqual([
      "src/runtime/router.ts imports actors/index.ts: the runtime never imports actors/ or machines/ (nor the edge)",
      "src/runtime/router.ts imports machines/task.ts: the runtime never imports actors/ or machines/ (nor the edge)",
    ])
    expect(violations("src/edge/app.ts", ["src/runtime/append.ts", "src/runtime/partition-worker.ts"])).toEqual([
      "src/edge/app.ts imports src/runtime/partition-worker.ts: the runtime's internals are not the edge's",
    ])
    expect(violations("actors/task.ts", ["machines/task.ts", "src/runtime/actor-kind.ts", "src/runtime/router.ts"])).toEqual([
      "actors/task.ts imports src/runtime/router.ts: actors/ imports machines/ and the runtime's actor-kind interface only",
    ])
    expect(violations("src/store/db.ts", ["src/runtime/append.ts"])).toHaveLength(1)
  })
})
