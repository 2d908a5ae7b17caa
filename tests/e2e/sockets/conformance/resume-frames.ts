// The frames of a resumed session: a control socket opened again with the same token gets
// `connected` first with session_resumed true, then a `task_assigned` for every task the agent still
// holds (assigned or in progress), equal to the first; frames for the task then apply as usual. An SDK
// bot that resumes (and runs nothing twice): tests/e2e/client/bot.test.ts.
import { beforeAll, describe, expect, it } from "vitest"
import type { SocketEdge } from "../harness.ts"
import { connectBot } from "./raw-bot.ts"
import { ofType } from "./raw-client.ts"
import type { SharedEdge } from "./shared-edge.ts"

export function resumeFrames(shared: () => SharedEdge): void {
  describe("resume frames", () => {
    let edge: SocketEdge
    beforeAll(() => {
      edge = shared().edge
    })

    describe("reconnecting bots", () => {
      it("resumes the session and is sent again the tasks it holds", async () => {
        const agent = await edge.agent({ capabilities: ["resume"] })
        const first = await connectBot(edge, agent)
        expect(first.connected.payload["session_resumed"]).toBe(false)
        const taskId = await edge.task("resume", "long job")
        const assigned = await first.client.next(ofType("task_assigned"))
        await first.client.close()
        await edge.deployment.actor("agent", agent.id, (row) => row.state === "offline")

        const second = await connectBot(edge, agent)
        expect(second.client.frames[0]).toMatchObject({ type: "connected", payload: { session_resumed: true } })
        const again = await second.client.next(ofType("task_assigned"))
        expect(again.payload).toEqual(assigned.payload)
        // Sent again in PROTOCOL's envelope, stamped when it is sent again.
        expect(Date.parse(again.timestamp ?? "")).toBeGreaterThanOrEqual(Date.parse(assigned.timestamp ?? ""))

        await second.acked("task_started", "s-1", { task_id: taskId })
        await edge.deployment.actor("task", taskId, (row) => row.state === "in_progress")
        await second.client.close()
        await edge.deployment.actor("agent", agent.id, (row) => row.state === "offline")

        const third = await connectBot(edge, agent)
        expect(third.connected.payload["session_resumed"]).toBe(true)
        const inProgress = await third.client.next(ofType("task_assigned"))
        expect(inProgress.payload).toMatchObject({ task_id: taskId, title: "long job", attempt: 1 })
        await third.acked("task_complete", "done", { task_id: taskId, success: true })
        await edge.deployment.actor("task", taskId, (row) => row.state === "completed")
        expect(third.client.frames.filter(ofType("error"))).toEqual([])
        await third.client.close()
      })

      it("resumes with no task to send when the agent holds none", async () => {
        const agent = await edge.agent({ capabilities: ["idle"] })
        const first = await connectBot(edge, agent)
        await edge.deployment.actor("agent", agent.id, (row) => row.state === "online")
        await first.client.close()
        await edge.deployment.actor("agent", agent.id, (row) => row.state === "offline")
        const again = await connectBot(edge, agent)
        expect(again.connected.payload["session_resumed"]).toBe(true)
        await again.acked("heartbeat", "hb", {})
        expect(again.client.frames.filter(ofType("task_assigned"))).toEqual([])
        await again.client.close()
      })
    })
  })
}
