// What each bot frame asks of the machines: the inbox command (actor, type, payload) a decoded
// control-socket frame becomes, on behalf of the socket's agent.
import type { AppendInput } from "../../runtime/append.ts"
import type { BotFrame } from "../../schema/frames.ts"

export type FrameCommand = Pick<AppendInput, "kind" | "id" | "type" | "payload">

const onTask = (taskId: string, type: string, payload: Readonly<Record<string, unknown>>): FrameCommand => ({
  kind: "task",
  id: taskId,
  type,
  payload,
})

export function commandFor(frame: BotFrame, agentId: string): FrameCommand {
  switch (frame.type) {
    case "claim_task":
      return onTask(frame.payload.taskId, "CLAIM", { agentId })
    case "task_started":
      return onTask(frame.payload.taskId, "START", { agentId })
    case "task_progress": {
      const { taskId, progress, message } = frame.payload
      return onTask(taskId, "PROGRESS", { agentId, progress, ...(message === undefined ? {} : { message }) })
    }
    case "task_complete": {
      const { taskId, success, result, error } = frame.payload
      return success
        ? onTask(taskId, "COMPLETE", { agentId, ...(result === undefined ? {} : { result }) })
        : onTask(taskId, "FAIL", { agentId, ...(error === undefined ? {} : { error }) })
    }
    case "heartbeat":
      return { kind: "agent", id: agentId, type: "HEARTBEAT", payload: frame.payload }
  }
}
