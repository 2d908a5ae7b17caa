--[[
  Clear a named durable timer of an actor.

  Input:
    KEYS[1] timer sorted set    {prefix:p}:timers
    KEYS[2] timer data hash     {prefix:p}:timer:data

    ARGV[1] member ("kind:id:name")

  Output:
    1 when a timer was cleared, 0 when there was none.
]]
-- @include timer-ops
return clear_timer(KEYS[1], KEYS[2], ARGV[1])
