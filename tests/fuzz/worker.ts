// The valid workload that runs alongside the fuzzing: a well-behaved bot that heartbeats, and
// claims, starts and completes every task it is assigned, each step acked before the next.
import { TestClient, withRef, type Frame } from "../e2e/sockets/conformance/raw-client.ts"

export interface Worker {
  /** Task ids it completed (acked `task_complete`). */
  readonly completed: Set<string>
  /** Error frames it received and steps that failed (a valid workload has none). */
  readonly errors: unknown[]
  close(): Promise<unknown>
}

/** Well within the default heartbeat interval (10 s; offline after three missed). */
const HEARTBEAT_MS = 2_000

export async function startWorker(url: string, token: string): Promise<Worker> {
  const client = await TestClient.open(`${url.replace(/^http/, "ws")}/ws/control?token=${token}`)
  const completed = new Set<string>()
  const errors: unknown[] = []
  let step = 0
  const acked = async (type: string, payload: Record<string, unknown>) => {
    step += 1
    const id = `w-${step}`
    const from = client.frames.length
    client.send({ type, id, payload })
    await client.next(withRef("ack", id), { from, timeoutMs: 30_000 })
  }
  let chain = Promise.resolve()
  client.ws.on("message", (data) => {
    const frame = JSON.parse(String(data)) as Frame
    if (frame.type === "error") errors.push(frame)
    if (frame.type !== "task_assigned") return
    const taskId = String(frame.payload["task_id"])
    chain = chain
      .then(async () => {
        await acked("claim_task", { task_id: taskId })
        await acked("task_started", { task_id: taskId })
        await acked("task_complete", { task_id: taskId, success: true, result: { ok: true } })
        completed.add(taskId)
      })
      .catch((error: unknown) => void errors.push(String(error)))
  })
  const heartbeat = setInterval(() => client.send({ type: "heartbeat", payload: { status: "healthy" } }), HEARTBEAT_MS)
  return {
    completed,
    errors,
    close: () => {
      clearInterval(heartbeat)
      return client.close()
    },
  }
}
