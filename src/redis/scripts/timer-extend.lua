--[[
  Push an armed timer back to `window` after Redis's current time, never earlier than it is: a bot's
  heartbeat that changes nothing moves its agent's expiry without an inbox entry (src/edge/sockets/heartbeats.ts).
  A timer not armed (fired, cleared, never armed) is left alone: the caller then appends the heartbeat,
  whose transition arms it.

  Time is Redis's TIME, the clock of the inbox entries' ids, from which the machines arm their timers.

  Input:
    KEYS[1] timer sorted set    {prefix:p}:timers

    ARGV[1] member ("kind:id:name")
    ARGV[2] window (ms)

  Output:
    1 when the timer is armed (pushed back, or already due later), 0 when it is not.
]]
if not redis.call("ZSCORE", KEYS[1], ARGV[1]) then
  return 0
end
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call("ZADD", KEYS[1], "GT", now + tonumber(ARGV[2]), ARGV[1])
return 1
