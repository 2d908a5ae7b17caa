--[[
  Acknowledge entries in the runtime's group and delete them from the inbox (which keeps only what is
  live), the ids sent once: the deletion never runs ahead of the acknowledgement.

  Input:
    KEYS[1] inbox stream                    {prefix:p}:in
    ARGV[1] group
    ARGV[2..] entry ids

  Output: how many of them were pending.
]]
local acked = redis.call("XACK", KEYS[1], ARGV[1], unpack(ARGV, 2))
redis.call("XDEL", KEYS[1], unpack(ARGV, 2))
return acked
