// The commands whose payload has a plain check (src/schema/commands.ts `hasPlainPayload`) with their payload fields,
// and a seeded generator: what the tests holding the plain decode and the plain encode to the Schema share.

export const ID = "0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0d"
export const OTHER = "0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0e"

/** Each kind's commands with a plain payload check, and their payload fields in the stream form (snake_case). */
export const PLAIN_COMMANDS = {
  task: {
    DEPENDENCY_FINISHED: ["task_id", "status", "epoch"],
    SESSION_RUN: ["epoch"],
    SESSION_HOLD: [],
    SESSION_CANCEL: ["reason", "epoch"],
    ASSIGN: ["agent_id"],
    CLAIM: ["agent_id", "attempt"],
    START: ["agent_id", "attempt"],
    PROGRESS: ["agent_id", "attempt", "progress", "message"],
    COMPLETE: ["agent_id", "attempt", "result"],
    FAIL: ["agent_id", "attempt", "error"],
    RETRY_DUE: ["attempt"],
    DEADLINE: ["attempt"],
    AGENT_LOST: ["agent_id", "reason"],
    AGENT_DRAINING: ["agent_id"],
    APPROVE: [],
    REJECT: ["reason"],
    APPROVAL_TIMEOUT: [],
    ADD_DEPENDENCIES: ["task_ids"],
    CANCEL: ["reason"],
    RETRY: [],
    ERASE: [],
  },
  agent: {
    CONNECT: [],
    HEARTBEAT: ["load", "status"],
    HEARTBEAT_EXPIRED: ["seq"],
    DISCONNECT: [],
    RESERVE: ["task_id"],
    RELEASE: ["task_id", "outcome", "next_task_id", "next_capability", "next_priority", "next_group", "next_since"],
    DRAIN: [],
    UNDRAIN: [],
    BREAKER_COOLDOWN: ["opened_at"],
    DEREGISTER: [],
  },
  session: {
    START: [],
    FAIL: ["reason"],
    TIMEOUT: ["seq"],
    ORPHAN_DUE: ["seq"],
    COVERAGE: ["seq", "ready", "offered"],
    DELETE: [],
    TASK_STATUS: ["task_id", "index", "from", "status", "epoch"],
    CHECKPOINT: ["data"],
  },
  context: { SHARE: ["session_id"], EXPIRE: [] },
} as const

/** Values of every sort the fields take or refuse. */
export const VALUES: ReadonlyArray<unknown> = [
  ID,
  OTHER,
  "not-a-uuid",
  "",
  "x",
  "completed",
  "failed",
  "cancelled",
  "lost",
  "heartbeat_expired",
  "deregistered",
  "healthy",
  "busy",
  "ready",
  "blocked",
  "in_progress",
  0,
  1,
  2,
  -1,
  0.5,
  1.5,
  2 ** 53,
  1e21,
  true,
  false,
  null,
  {},
  { a: [1, "b", null] },
  [],
  [ID],
  [ID, OTHER],
  ["x"],
  "m".repeat(1025),
]

export type PlainKind = keyof typeof PLAIN_COMMANDS

/** A stream field's name as the machines use it (`task_id` → `taskId`). */
export const camelCase = (field: string): string => field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

/** A small seeded generator, so a failure repeats. */
export const random = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff
  return seed / 0x7fffffff
}
