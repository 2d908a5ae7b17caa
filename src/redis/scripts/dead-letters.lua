--[[
  Move inbox entries (a batch's dead letters, or the one entry a failing batch was narrowed down to) to
  the partition's dead-letter stream in one step, in the order given: for each, XADD the dead letter, then
  XACK and XDEL the original (an entry no longer in the inbox is acknowledged all the same).

  Dead-letter fields: reason, source (the inbox entry id), fields (the original fields as a JSON
  object; kept whole in one field so they can never collide with reason or source).

  Input:
    KEYS[1] inbox stream        {prefix:p}:in
    KEYS[2] dead-letter stream  {prefix:p}:dead

    ARGV[1] consumer group
    ARGV[2..] pairs: inbox entry id, reason

  Output:
    per entry, in order: the dead-letter entry id, or -3 (EntryNotFound: no longer in the inbox,
    acknowledged all the same).
]]
local function dead_letter(inbox, dead, group, id, reason)
  local entries = redis.call("XRANGE", inbox, id, id)
  if #entries == 0 then
    redis.call("XACK", inbox, group, id)
    return -3
  end

  local original = {}
  local flat = entries[1][2]
  for i = 1, #flat, 2 do
    original[flat[i]] = flat[i + 1]
  end

  local deadId = redis.call("XADD", dead, "*", "reason", reason, "source", id, "fields", cjson.encode(original))
  redis.call("XACK", inbox, group, id)
  redis.call("XDEL", inbox, id)
  return deadId
end

local out = {}
for i = 2, #ARGV, 2 do
  out[#out + 1] = dead_letter(KEYS[1], KEYS[2], ARGV[1], ARGV[i], ARGV[i + 1])
end
return out
