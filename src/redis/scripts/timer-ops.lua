--[[
  Included by timers-apply.lua (-- @include timer-ops), not a script of its own.

  arm_timer(timers, data, member, fireAt, entry): arms the timer `member` ("kind:id:name") of the
  sorted set `timers` ({prefix:p}:timers) to fire at `fireAt` (ms since the epoch), replacing one of
  the same name; `entry` (kept in the hash `data`, {prefix:p}:timer:data) is what it appends when it
  fires: JSON {type, payload} (payload a JSON string), and `actor` when the member does not name it
  (see timers-fire.lua). 1 when the timer is new, 0 when it replaced one.

  clear_timer(timers, data, member): clears the timer `member`; 1 when there was one, else 0.
]]
local function arm_timer(timers, data, member, fireAt, entry)
  redis.call("HSET", data, member, entry)
  return redis.call("ZADD", timers, fireAt, member)
end

local function clear_timer(timers, data, member)
  redis.call("HDEL", data, member)
  return redis.call("ZREM", timers, member)
end
