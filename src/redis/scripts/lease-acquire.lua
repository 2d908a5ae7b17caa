--[[
  Acquire a partition lease with a fencing token.

  Input:
    KEYS[1] lease hash          {prefix:p}:lease
    KEYS[2] fencing counter     {prefix:p}:fence

    ARGV[1] owner (runtime process id)
    ARGV[2] ttl (ms)

  Output:
    the new fencing token (> 0, strictly greater than every token handed out before), or
    -2 (LeaseHeld) when the lease is held and not expired, by anyone (the same owner too).
]]
if redis.call("EXISTS", KEYS[1]) == 1 then
  return -2
end
local token = redis.call("INCR", KEYS[2])
redis.call("HSET", KEYS[1], "owner", ARGV[1], "token", token)
redis.call("PEXPIRE", KEYS[1], ARGV[2])
return token
