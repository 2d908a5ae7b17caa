// What each bot frame asks of the machines: the inbox command (actor, type, payload) a decoded
// control-socket frame becomes, on behalf of the socket's agent, with the `attempt` it names.
import type { AppendInput } from "../../runtime/append.ts"
import type { BotFrame } from "../../schema/frames.ts"

export type FrameCommand = Pick<AppendInput, "kind" | "id" | "type" | "payload">

/** `payload`, the command's own new object, with `value` set in it as `name` when there is one (no spread: members
 * added after a spread take V8's slow path). */
const withMember = (payload: Record<string, unknown>, name: string, value: unknown): Record<string, unknown> => {
  if (value !== undefined) payload[name] = value
  return payload
}

const onTask = (
  report: { readonly taskId: string; readonly attempt?: number },
  type: string,
  payload: Record<string, unknown>,
): FrameCommand => ({ kind: "task", id: report.taskId, type, payload: withMember(payload, "attempt", report.attempt) })

export function commandFor(frame: BotFrame, agentId: string): FrameCommand {
  switch (frame.type) {
    case "claim_task":
      return onTask(frame.payload, "CLAIM", { agentId })
    case "task_started":
      return onTask(frame.payload, "START", { agentId })
    case "task_progress": {
      const { progress, message } = frame.payload
      return onTask(frame.payload, "PROGRESS", withMember({ agentId, progress }, "message", message))
    }
    case "task_complete": {
      const { success, result, error } = frame.payload
      return success
        ? onTask(frame.payload, "COMPLETE", withMember({ agentId }, "result", result))
        : onTask(frame.payload, "FAIL", withMember({ agentId }, "error", error))
    }
    case "heartbeat":
      return { kind: "agent", id: agentId, type: "HEARTBEAT", payload: frame.payload }
  }
}
