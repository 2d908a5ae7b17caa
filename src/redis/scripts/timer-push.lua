--[[
  Included by timer-extend.lua and heartbeat-repeat.lua (-- @include timer-push), not a script of its own: an armed
  timer pushed back to `window` after Redis's current time, never earlier than it is due. Time is Redis's TIME, the
  clock of the inbox entries' ids, from which the machines arm their timers.

  push_timer_back(timers, member, window): true when the timer is armed (pushed back, or already due later); false,
    writing nothing, when it is not (fired, cleared, never armed).
]]
local function push_timer_back(timers, member, window)
  if not redis.call("ZSCORE", timers, member) then
    return false
  end
  local time = redis.call("TIME")
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  redis.call("ZADD", timers, "GT", now + tonumber(window), member)
  return true
end
