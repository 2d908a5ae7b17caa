--[[
  An HTTP heartbeat that repeats its agent's last recorded one: pushes the agent's armed expiry back and
  answers the recorded heartbeat's entry id, with no inbox entry (src/edge/http/heartbeat.ts). It repeats it
  when the record is still there (it expires after the record period), each member it reports (load, status)
  equals the recorded one, and the expiry timer is armed; otherwise nothing is written and the caller appends
  the heartbeat (then records it with heartbeat-record.lua).

  The expiry is pushed back as timer-extend.lua pushes a socket heartbeat's (timer-push.lua).

  Input:
    KEYS[1] timer sorted set        {prefix:p}:timers
    KEYS[2] the agent's record      {prefix:p}:heartbeat:<agent id> (hash: load, status, window, entry)

    ARGV[1] the expiry timer's member ("agent:<id>:<name>")
    ARGV[2] the load reported, "" when none
    ARGV[3] the status reported, "" when none

  Output:
    the recorded heartbeat's entry id when this one repeats it (the expiry pushed back to `window` after now,
    never earlier), false when it does not.
]]
-- @include timer-push
local record = redis.call("HMGET", KEYS[2], "load", "status", "window", "entry")
if not record[4] then
  return false
end
if (ARGV[2] ~= "" and ARGV[2] ~= record[1]) or (ARGV[3] ~= "" and ARGV[3] ~= record[2]) then
  return false
end
if not push_timer_back(KEYS[1], ARGV[1], record[3]) then
  return false
end
return record[4]
