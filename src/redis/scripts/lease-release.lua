--[[
  Release a partition lease: only its current owner holding the current token may. The
  fencing counter stays, so the next owner's token is still greater.

  Input:
    KEYS[1] lease hash          {prefix:p}:lease

    ARGV[1] owner
    ARGV[2] fencing token

  Output:
    1, or -1 (NotOwner) when the lease expired or is held by another owner or token.
]]
local current = redis.call("HMGET", KEYS[1], "owner", "token")
if current[1] ~= ARGV[1] or current[2] ~= ARGV[2] then
  return -1
end
redis.call("DEL", KEYS[1])
return 1
