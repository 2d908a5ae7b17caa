--[[
  Included by dead-letters.lua (-- @include dead-letter-move), not a script of its own.

  dead_letter(inbox, dead, group, id, reason): moves the entry `id` of the stream `inbox` to the
  dead-letter stream `dead` (XADD the dead letter, then XACK in `group` and XDEL the original).
  Answers the dead-letter entry id, or -3 (EntryNotFound) when the entry is no longer in the inbox
  (it is still acknowledged, so it leaves the pending list).

  Dead-letter fields: reason, source (the inbox entry id), fields (the original fields as a JSON
  object; kept whole in one field so they can never collide with reason or source).
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
