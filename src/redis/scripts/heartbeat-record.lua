--[[
  Records an HTTP heartbeat its edge appended, so that the ones repeating it within the record period only push
  the agent's expiry back (heartbeat-repeat.lua). A member not reported keeps the value recorded before (a
  member absent: unchanged); the record expires `period` after this one.

  Input:
    KEYS[1] the agent's record      {prefix:p}:heartbeat:<agent id> (hash: load, status, window, entry)

    ARGV[1] the load reported, "" when none
    ARGV[2] the status reported, "" when none
    ARGV[3] the expiry window (ms): 3 × the agent's heartbeat interval
    ARGV[4] the appended entry's id
    ARGV[5] the record period (ms)

  Output:
    1
]]
if ARGV[1] ~= "" then
  redis.call("HSET", KEYS[1], "load", ARGV[1])
end
if ARGV[2] ~= "" then
  redis.call("HSET", KEYS[1], "status", ARGV[2])
end
redis.call("HSET", KEYS[1], "window", ARGV[3], "entry", ARGV[4])
redis.call("PEXPIRE", KEYS[1], ARGV[5])
return 1
