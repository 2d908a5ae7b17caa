--[[
  Included by scripts that take a deadline (-- @include deadline-passed), not a script of its own.

  deadline_passed(deadline): true when `deadline` (ms since the epoch on Redis's clock, TIME; 0 or
  less = none) has passed. The edge sets one for a command it answers a client about: once it passed,
  the client may have been told that nothing was accepted, so nothing may be written. TIME is read once
  a call (a script that checks several deadlines reads one clock).
]]
local deadline_now = nil
local function deadline_passed(deadline)
  if deadline <= 0 then
    return false
  end
  if deadline_now == nil then
    local now = redis.call("TIME")
    deadline_now = tonumber(now[1]) * 1000 + tonumber(now[2]) / 1000
  end
  return deadline_now > deadline
end
