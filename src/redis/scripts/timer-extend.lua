--[[
  Push an armed timer back to `window` after Redis's current time, never earlier than it is: a bot's
  heartbeat that changes nothing moves its agent's expiry without an inbox entry (src/edge/sockets/heartbeats.ts).
  A timer not armed (fired, cleared, never armed) is left alone: the caller then appends the heartbeat,
  whose transition arms it.

  The push itself is timer-push.lua's (shared with heartbeat-repeat.lua).

  Input:
    KEYS[1] timer sorted set    {prefix:p}:timers

    ARGV[1] member ("kind:id:name")
    ARGV[2] window (ms)

  Output:
    1 when the timer is armed (pushed back, or already due later), 0 when it is not.
]]
-- @include timer-push
if push_timer_back(KEYS[1], ARGV[1], ARGV[2]) then
  return 1
end
return 0
