// Binds the inbox command Schemas to the runtime: validation before an append (camelCase payload in,
// the snake_case stream payload out), decoding after a read (snake_case in, the camelCase the
// machines use out, with the Schemas' defaults applied; a batched entry's commands in order), and the
// reason for a dead letter.
import { decodeInboxCommand, decodeStreamEntries, streamPayload } from "../schema/commands.ts"
import type { ValidateCommand } from "./append.ts"
import type { Decoded } from "./plan-batch.ts"

/** The stream payload of a valid command; throws the `validation_failed` ApiError naming the field (nothing is appended). */
export const validateCommand: ValidateCommand = (command) => {
  const decoded = decodeInboxCommand(command)
  if (!decoded.ok) throw decoded.error
  return streamPayload(decoded.value)
}

export const decodeInboxEntry = (fields: Readonly<Record<string, string>>): Decoded => {
  const decoded = decodeStreamEntries(fields)
  return decoded.ok ? { ok: true, commands: decoded.value } : { ok: false, reason: decoded.error.message }
}
