--[[
  Idempotently append several commands of one type to one actor as ONE inbox entry (the runtime's
  follow-up commands of one batch to one actor, e.g. its tasks' TASK_STATUS reports to a session).
  Each command keeps its own command id: one appended before (alone, or in another grouping of a
  redelivered batch) is left out, so no command is ever applied twice.

  Input:
    KEYS[1] inbox stream                    {prefix:p}:in
    KEYS[2] dedupe marker prefix            {prefix:p}:dedupe:  (a command's marker is this plus
                                            its cmdId: same hash tag, so the same slot)

    ARGV[1] type
    ARGV[2] actor ("kind:id")
    ARGV[3] dedupe marker TTL (ms)
    ARGV[4..] pairs: cmdId, payload (JSON object text)

  Output:
    {streamId, appended}: the new entry's id and how many commands it holds; {firstSeenId, 0}
    when every command was appended before (nothing is written).

  Entry fields: type, actor, payload, cmdId for one new command (an ordinary entry); for two or
  more: type, actor, payload = a JSON array of the payloads in order, batch = their count.
]]
-- @include append-commands
return append_each(KEYS[1], KEYS[2], ARGV[3], ARGV[1], ARGV[2], ARGV, 4, #ARGV)
