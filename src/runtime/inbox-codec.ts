// Binds the inbox command Schemas to the runtime: validation before an append (camelCase payload in,
// the snake_case stream payload out), decoding after a read (snake_case in, the camelCase the
// machines use out, with the Schemas' defaults applied and the deployment's defaults given to a
// creation that leaves them out; a batched entry's commands in order), and the reason for a dead letter.
import { appendedStreamPayload, decodeStreamEntries, type InboxCommand, inboxStreamPayload } from "../schema/commands.ts"
import type { ValidateCommand } from "./append.ts"
import type { Decoded } from "./plan-batch.ts"

/** The stream payload of a valid command; throws the `validation_failed` ApiError naming the field (nothing is appended). */
export const validateCommand: ValidateCommand = (command) => {
  const checked = appendedStreamPayload(command)
  if (!checked.ok) throw checked.error
  return checked.value
}

/** validateCommand for the commands the runtime itself sends (execute-batch.ts: follow-up commands, timers' entries):
 * the same checks, the payload as they encoded it rather than encoded once more (the decoding defaults it leaves
 * out are filled in by the entry's decoding); the edge's appends keep validateCommand's text. */
export const ownCommandPayload: ValidateCommand = (command) => {
  const checked = inboxStreamPayload(command)
  if (!checked.ok) throw checked.error
  return checked.value
}

/** What a deployment gives the actors it creates when their CREATE does not say. */
export interface CreateDefaults {
  /** CLAWBOT_BREAKER_COOLDOWN_MS: an agent's breaker cool-down (absent: the machine's own, 30 s). */
  readonly breakerCooldownMs?: number
}

/** `command` with the deployment's defaults in its payload where a CREATE leaves them out. */
const withDefaults = (command: InboxCommand, defaults: CreateDefaults): InboxCommand =>
  command.kind === "agent" &&
  command.type === "CREATE" &&
  command.payload.breakerCooldownMs === undefined &&
  defaults.breakerCooldownMs !== undefined
    ? { ...command, payload: { ...command.payload, breakerCooldownMs: defaults.breakerCooldownMs } }
    : command

/** The runtime's decoding of an inbox entry under a deployment's defaults (the one place they are applied:
 * an agent registered over HTTP carries the edge's value already, one created by a raw XADD gets it here). */
export const inboxDecoder =
  (defaults: CreateDefaults) =>
  (fields: Readonly<Record<string, string>>): Decoded => {
    const decoded = decodeStreamEntries(fields)
    return decoded.ok
      ? { ok: true, commands: decoded.value.map((command) => withDefaults(command, defaults)) }
      : { ok: false, reason: decoded.error.message }
  }

/** Decoding with no deployment defaults (the machines' own). */
export const decodeInboxEntry = inboxDecoder({})
