--[[
  Arm a named durable timer of an actor, replacing a timer of the same name.

  Input:
    KEYS[1] timer sorted set    {prefix:p}:timers
    KEYS[2] timer data hash     {prefix:p}:timer:data

    ARGV[1] member ("kind:id:name")
    ARGV[2] fire time (ms since the epoch)
    ARGV[3] entry to append when it fires: JSON {type, payload} (payload a JSON string), and
            `actor` when the member does not name it (see timers-fire.lua)

  Output:
    1 when the timer is new, 0 when it replaced one of the same name.
]]
-- @include timer-ops
return arm_timer(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
