--[[
  Move an inbox entry to the partition's dead-letter stream: XADD the dead letter, then XACK
  and XDEL the original, in one step.

  Input:
    KEYS[1] inbox stream        {prefix:p}:in
    KEYS[2] dead-letter stream  {prefix:p}:dead

    ARGV[1] consumer group
    ARGV[2] inbox entry id
    ARGV[3] reason

  Output:
    the dead-letter entry id, or -3 (EntryNotFound) when the entry is no longer in the inbox
    (it is still acknowledged, so it leaves the pending list).

  Dead-letter fields: reason, source (the inbox entry id), fields (the original fields as a
  JSON object; kept whole in one field so they can never collide with reason or source).
]]
local entries = redis.call("XRANGE", KEYS[1], ARGV[2], ARGV[2])
if #entries == 0 then
  redis.call("XACK", KEYS[1], ARGV[1], ARGV[2])
  return -3
end

local original = {}
local flat = entries[1][2]
for i = 1, #flat, 2 do
  original[flat[i]] = flat[i + 1]
end

local deadId = redis.call("XADD", KEYS[2], "*",
  "reason", ARGV[3], "source", ARGV[2], "fields", cjson.encode(original))
redis.call("XACK", KEYS[1], ARGV[1], ARGV[2])
redis.call("XDEL", KEYS[1], ARGV[2])
return deadId
