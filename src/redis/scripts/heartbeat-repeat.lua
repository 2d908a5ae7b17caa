--[[
  An HTTP heartbeat that repeats its agent's last recorded one: pushes the agent's armed expiry back and
  answers the recorded heartbeat's entry id, with no inbox entry (src/edge/http/heartbeat.ts). It repeats it
  when the record is still there (it expires after the record period), each member it reports (load, status)
  equals the recorded one, and the expiry timer is armed; otherwise nothing is written and the caller appends
  the heartbeat (then records it with heartbeat-record.lua).

  Time is Redis's TIME, the clock of the inbox entries' ids, from which the machines arm their timers.

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
local record = redis.call("HMGET", KEYS[2], "load", "status", "window", "entry")
if not record[4] then
  return false
end
if (ARGV[2] ~= "" and ARGV[2] ~= record[1]) or (ARGV[3] ~= "" and ARGV[3] ~= record[2]) then
  return false
end
if not redis.call("ZSCORE", KEYS[1], ARGV[1]) then
  return false
end
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call("ZADD", KEYS[1], "GT", now + tonumber(record[3]), ARGV[1])
return record[4]
