--[[
  Idempotently append a batch's commands to the actors of one partition in one step: several runs
  (commands of one type in a row to one actor, e.g. its tasks' TASK_STATUS reports to a session), each
  as one entry (append_each, included: each command deduplicated by its own cmdId, so a redelivered
  batch, grouped the same or not, appends nothing twice), in the order given: the runs to one actor
  enter its inbox in that order.

  Input:
    KEYS[1] inbox stream                    {prefix:p}:in
    KEYS[2] dedupe marker prefix            {prefix:p}:dedupe:

    ARGV[1] dedupe marker TTL (ms)
    ARGV[2..] per run: type, actor ("kind:id"), n (how many commands), then n pairs cmdId, payload
              (cmdId "": not deduplicated, only in a run of one)

  Output:
    per run, in order: streamId, appended: the new entry's id and how many commands it holds, or
    firstSeenId, 0 when every command of the run was appended before (nothing is written).

  Entry fields: type, actor, payload, cmdId (left out when "") for a run's one new command (an
  ordinary entry); for two or more: type, actor, payload = a JSON array of the payloads in order,
  batch = their count.
]]
-- @include append-commands
local out = {}
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i + 2])
  local last = i + 2 + 2 * n
  local appended = append_each(KEYS[1], KEYS[2], ARGV[1], ARGV[i], ARGV[i + 1], ARGV, i + 3, last)
  out[#out + 1] = appended[1]
  out[#out + 1] = appended[2]
  i = last + 1
end
return out
