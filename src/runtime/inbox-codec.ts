// Binds the inbox command Schemas to the runtime: validation before an append, decoding
// after a read (with the Schemas' defaults applied), and the reason for a dead letter.
import { decodeInboxCommand, decodeStreamEntry } from "../schema/commands.ts"
import type { ValidateCommand } from "./append.ts"
import type { Decoded } from "./plan-batch.ts"

/** Throws the `validation_failed` ApiError naming the field; nothing is appended. */
export const validateCommand: ValidateCommand = (command) => {
  const decoded = decodeInboxCommand(command)
  if (!decoded.ok) throw decoded.error
}

export const decodeInboxEntry = (fields: Readonly<Record<string, string>>): Decoded => {
  const decoded = decodeStreamEntry(fields)
  return decoded.ok ? { ok: true, command: decoded.value } : { ok: false, reason: decoded.error.message }
}
