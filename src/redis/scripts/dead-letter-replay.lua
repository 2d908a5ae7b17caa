--[[
  Replay a dead letter: append its original fields to the partition's inbox again and remove it
  from the dead-letter stream, in one step (a crash never leaves both, nor neither).

  Input:
    KEYS[1] inbox stream        {prefix:p}:in
    KEYS[2] dead-letter stream  {prefix:p}:dead

    ARGV[1] dead-letter entry id
    ARGV[2] deadline: ms since the epoch on Redis's clock (TIME); "0" = none (as in append.lua)

  Output:
    the new inbox entry id, -3 (EntryNotFound) when there is no such dead letter, or -4
    (ScriptError.Expired) when the deadline has passed: nothing is written or removed.
]]
-- @include deadline-passed
if deadline_passed(tonumber(ARGV[2])) then
  return -4
end
local entries = redis.call("XRANGE", KEYS[2], ARGV[1], ARGV[1])
if #entries == 0 then
  return -3
end
local flat = entries[1][2]
local original = nil
for i = 1, #flat, 2 do
  if flat[i] == "fields" then
    original = cjson.decode(flat[i + 1])
  end
end
local args = {}
for name, value in pairs(original or {}) do
  table.insert(args, name)
  table.insert(args, value)
end
if #args == 0 then
  return redis.error_reply("ERR dead letter " .. ARGV[1] .. " has no fields to replay")
end
local id = redis.call("XADD", KEYS[1], "*", unpack(args))
redis.call("XDEL", KEYS[2], ARGV[1])
return id
