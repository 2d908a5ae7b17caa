// What each bot frame asks of the machines: the inbox command (actor, type, payload) a decoded
// control-socket frame becomes, on behalf of the socket's agent, with the `attempt` it names.
import type { AppendInput } from "../../runtime/append.ts"
import type { BotFrame } from "../../schema/frames.ts"

export type FrameCommand = Pick<AppendInput, "kind" | "id" | "type" | "payload">

const onTask = (
  report: { readonly taskId: string; readonly attempt?: number },
  type: string,
  payload: Readonly<Record<string, unknown>>,
): FrameCommand => ({
  kind: "task",
  id: report.taskId,
  type,
  payload: report.attempt === undefined ? payload : { ...payload, attempt: report.attempt },
})

export function commandFor(frame: BotFrame, agentId: string): FrameCommand {
  switch (frame.type) {
    case "claim_task":
      return onTask(frame.payload, "CLAIM", { agentId })
    case "task_started":
      return onTask(frame.payload, "START", { agentId })
    case "task_progress": {
      const { progress, message } = frame.payload
      return onTask(frame.payload, "PROGRESS", { agentId, progress, ...(message === undefined ? {} : { message }) })
    }
    case "task_complete": {
      const { success, result, error } = frame.payload
      return success
        ? onTask(frame.payload, "COMPLETE", { agentId, ...(result === undefined ? {} : { result }) })
        : onTask(frame.payload, "FAIL", { agentId, ...(error === undefined ? {} : { error }) })
    }
    case "heartbeat":
      return { kind: "agent", id: agentId, type: "HEARTBEAT", payload: frame.payload }
  }
}
