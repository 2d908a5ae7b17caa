--[[
  Renew a partition lease: only its current owner holding the current token may.

  Input:
    KEYS[1] lease hash          {prefix:p}:lease

    ARGV[1] owner
    ARGV[2] fencing token
    ARGV[3] ttl (ms)

  Output:
    1, or -1 (NotOwner) when the lease expired or is held by another owner or token.
]]
local current = redis.call("HMGET", KEYS[1], "owner", "token")
if current[1] ~= ARGV[1] or current[2] ~= ARGV[2] then
  return -1
end
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return 1
