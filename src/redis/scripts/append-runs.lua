--[[
  Idempotently append a batch's commands to the actors of one partition in one step: several runs
  (commands of one type in a row to one actor), each appended as append-each.lua appends it (one
  entry per run, each command deduplicated by its own cmdId, so a redelivered batch appends nothing
  twice), in the order given: the runs to one actor enter its inbox in that order.

  Input:
    KEYS[1] inbox stream                    {prefix:p}:in
    KEYS[2] dedupe marker prefix            {prefix:p}:dedupe:

    ARGV[1] dedupe marker TTL (ms)
    ARGV[2..] per run: type, actor ("kind:id"), n (how many commands), then n pairs cmdId, payload
              (cmdId "": not deduplicated, only in a run of one)

  Output:
    per run, in order: streamId, appended (as append-each.lua answers).
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
