--[[
  Arm and clear several durable timers of one partition in one step, in the order given (a batch's
  timer items: an arm then a clear of the same timer ends cleared, a clear then an arm ends armed).
  Each operation is idempotent, so a redelivered batch applying them again ends the same.

  Input:
    KEYS[1] timer sorted set    {prefix:p}:timers
    KEYS[2] timer data hash     {prefix:p}:timer:data

    ARGV: operations, one after another:
      "a", member ("kind:id:name"), fire time (ms since the epoch), entry (to append when it fires:
           JSON {type, payload}, payload a JSON string, and `actor` when the member does not name
           it, see timers-fire.lua), replacing a timer of the same name
      "c", member (nothing when there is none)

  Output:
    how many operations were applied.
]]
-- An arm replaces a timer of the same name; the entry is kept in the data hash, what the timer appends when it fires.
local function arm_timer(timers, data, member, fireAt, entry)
  redis.call("HSET", data, member, entry)
  return redis.call("ZADD", timers, fireAt, member)
end

local function clear_timer(timers, data, member)
  redis.call("HDEL", data, member)
  return redis.call("ZREM", timers, member)
end

local i = 1
local applied = 0
while i <= #ARGV do
  if ARGV[i] == "a" then
    arm_timer(KEYS[1], KEYS[2], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  elseif ARGV[i] == "c" then
    clear_timer(KEYS[1], KEYS[2], ARGV[i + 1])
    i = i + 2
  else
    return redis.error_reply("timers-apply: unknown operation " .. tostring(ARGV[i]))
  end
  applied = applied + 1
end
return applied
