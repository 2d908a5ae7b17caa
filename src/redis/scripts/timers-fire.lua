--[[
  Move due timers into the partition inbox, atomically: each due timer becomes one inbox
  entry and leaves the sorted set and the data hash in the same step.

  "Now" is the caller's clock (ARGV[1]), not the server's TIME: tests control time, and the
  runtime passes Date.now(). Timers are coarse (seconds), so clock skew between runtime
  processes only shifts a firing by that skew.

  Input:
    KEYS[1] timer sorted set    {prefix:p}:timers
    KEYS[2] timer data hash     {prefix:p}:timer:data
    KEYS[3] inbox stream        {prefix:p}:in

    ARGV[1] now (ms since the epoch): timers due at or before it fire
    ARGV[2] at most this many timers move

  Output:
    {moved, next}: the number of timers moved into the inbox, and the fire time (ms) of the
    earliest timer still armed, or -1 when none is (the caller sleeps until then).

  Entry fields: type, actor, payload, timer (the member, "kind:id:name"). The actor is the data's
  `actor` when it has one, else the member up to its last ":" (a timer whose name has no ":" is
  armed without it: the member names its actor already).
]]
local due = redis.call("ZRANGE", KEYS[1], "-inf", ARGV[1], "BYSCORE", "LIMIT", 0, tonumber(ARGV[2]))
local moved = 0
for _, member in ipairs(due) do
  local data = redis.call("HGET", KEYS[2], member)
  -- A member without data (its hash field deleted by hand) is dropped rather than left to
  -- block every later firing.
  if data then
    local timer = cjson.decode(data)
    redis.call("XADD", KEYS[3], "*",
      "type", timer.type, "actor", timer.actor or string.match(member, "^(.*):[^:]*$"), "payload", timer.payload,
      "timer", member)
    moved = moved + 1
  end
  redis.call("ZREM", KEYS[1], member)
  redis.call("HDEL", KEYS[2], member)
end
local earliest = redis.call("ZRANGE", KEYS[1], 0, 0, "WITHSCORES")
return {moved, earliest[2] or -1}
