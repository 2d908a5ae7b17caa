// A raw inbox entry whose bytes are not UTF-8 (PROTOCOL: input rules apply to raw entries too) is
// read as bytes, dead-lettered with the field it broke, its bytes kept as they were, and never
// applied with U+FFFD in their place; the entries around it are applied as usual.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { partitionOf } from "../../../src/redis/partition.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
})
afterAll(() => deployment.close())

const create = (id: string, title: string) => JSON.stringify({ id, title, capability: "utf8", depends_on: [], blocked: false })

describe("raw entries that are not UTF-8", () => {
  it("are dead-lettered with their bytes unchanged while the entries around them are applied", async () => {
    expect(partitionOf("task", randomUUID(), 1)).toBe(0)
    const { inbox, dead } = deployment.keys.partition(0)
    const [before, broken, after] = [randomUUID(), randomUUID(), randomUUID()]
    // A title `a<ff fe>b`: read as text, it would become "a\ufffd\ufffdb", a valid title
    const [head, tail] = create(broken, "a|b").split("|")
    const bytes = Buffer.concat([Buffer.from(head!), Buffer.from([0xff, 0xfe]), Buffer.from(tail!)])
    await deployment.redis.xadd(inbox, "*", "type", "CREATE", "actor", `task:${before}`, "payload", create(before, "before"))
    const source = await deployment.redis.xadd(inbox, "*", "type", "CREATE", "actor", `task:${broken}`, "payload", bytes)
    await deployment.redis.xadd(inbox, "*", "type", "CREATE", "actor", `task:${after}`, "payload", create(after, "after"))

    await deployment.startRuntime()
    await deployment.actor("task", before)
    await deployment.actor("task", after)
    const letter = await waitFor("the dead letter", async () => {
      const entries = await deployment.redis.xrangeBuffer(dead, "-", "+")
      return entries
        .map(([, flat]) => {
          const fields = new Map<string, Buffer>()
          for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!.toString(), flat[i + 1]!)
          return fields
        })
        .find((fields) => fields.get("source")?.toString() === source)
    })
    expect(letter.get("reason")?.toString()).toBe("payload: invalid UTF-8")
    // The original fields are kept as they came, bytes included (not replaced with U+FFFD).
    expect(letter.get("fields")!.includes(Buffer.from([0xff, 0xfe]))).toBe(true)
    const stored = await deployment.schema.sql`select count(*)::int as n from actors where id = ${broken}`
    expect(stored[0]?.n).toBe(0)
  })
})
