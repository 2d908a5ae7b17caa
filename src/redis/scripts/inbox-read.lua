--[[
  Read new inbox entries, for the partition's lease holder only: a former owner whose lease has
  lapsed (paused, partitioned) can no longer take entries into its pending list after a new owner
  took over, so every entry read before the takeover is pending and claimed by the new owner, and
  none is read after it (no owner has to look for such strays after each read).

  Input:
    KEYS[1] lease hash          {prefix:p}:lease
    KEYS[2] inbox stream        {prefix:p}:in

    ARGV[1] owner (also the consumer name)
    ARGV[2] fencing token
    ARGV[3] consumer group
    ARGV[4] at most this many entries

  Output:
    the XREADGROUP reply (nil when nothing new), or -1 (NotOwner) when the lease expired or is
    held by another owner or token.
]]
local current = redis.call("HMGET", KEYS[1], "owner", "token")
if current[1] ~= ARGV[1] or current[2] ~= ARGV[2] then
  return -1
end
return redis.call("XREADGROUP", "GROUP", ARGV[3], ARGV[1], "COUNT", ARGV[4], "STREAMS", KEYS[2], ">")
