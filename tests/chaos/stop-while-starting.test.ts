// A `clawbot runtime` sent SIGTERM while it starts (a supervisor that changes its mind, a deploy rolled back at once)
// or as soon as it says it started still shuts down cleanly: it finishes starting, releases every lease it took, says
// "runtime stopped" and exits 0. Before the signal handlers were put in place first, such a signal met Node's default
// and the process died without a closer run (its leases left to lapse).
import { createInterface } from "node:readline"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { chaosDeployment, type ChaosDeployment } from "./deployment.ts"
import { leaseOwners } from "./leases.ts"
import { RuntimeProcess } from "./runtime-process.ts"

const PARTITIONS = 4

let deployment: ChaosDeployment
const processes: RuntimeProcess[] = []

beforeAll(async () => {
  deployment = await chaosDeployment({ partitions: PARTITIONS, leaseTtlMs: 30_000 })
})

afterAll(async () => {
  for (const child of processes) if (child.alive) child.crash()
  await Promise.all(processes.map((child) => child.exited))
  await deployment?.close()
})

/** Starts a runtime and sends it SIGTERM on the first line of its log that says `msg`. */
const stopOn = async (msg: string): Promise<RuntimeProcess> => {
  const child = new RuntimeProcess(`stop-on-${msg.replace(/ /g, "-")}-${processes.length}`, deployment.env)
  processes.push(child)
  await new Promise<void>((resolve) => {
    const lines = createInterface({ input: child.child.stdout! })
    lines.on("line", (text) => {
      if (!text.includes(`"msg":"${msg}"`)) return
      lines.close()
      child.child.kill("SIGTERM")
      resolve()
    })
  })
  await child.exited
  return child
}

describe("a runtime stopped as it starts", () => {
  // "migrations applied": in the middle of its start (a schema it creates); the others as it acquires its partitions
  // and once it said it started.
  for (const moment of ["migrations applied", "partition acquired", "runtime started"]) {
    it(`shuts down cleanly on a SIGTERM sent at "${moment}"`, async () => {
      if (moment === "migrations applied") await deployment.sql.unsafe(`drop schema "${deployment.prefix}" cascade`)
      const child = await stopOn(moment)
      expect(child.child.exitCode, child.describe()).toBe(0)
      const said = child.lifecycle.map((line) => line.msg)
      expect(said, child.describe()).toContain("runtime stopped")
      expect(said.filter((msg) => msg === "partition released")).toHaveLength(said.filter((msg) => msg === "partition acquired").length)
      expect(child.problems).toEqual([])
      expect(await leaseOwners(deployment.redis, deployment.keys, PARTITIONS)).toEqual(Array(PARTITIONS).fill(null))
    })
  }
})
