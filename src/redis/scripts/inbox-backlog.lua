--[[
  The backlog of several inboxes at one instant: how many entries they hold together and which of
  their first entries is the oldest. A script runs with no other command between its calls, so the
  figures are those of one moment, however the runtimes append, apply and move entries meanwhile.
  In Redis Cluster the inboxes of different partitions live in different slots, which one script
  cannot touch: there it is called with one inbox at a time (src/redis/inbox-backlog.ts).

  Input:
    KEYS[1..n] inbox streams    {prefix:p}:in, one per partition (any number)

    (no ARGV)

  Output:
    { entries, oldest }: the sum of their XLEN, and the id of the oldest of their first entries
    ("" when every inbox is empty or missing).
]]
-- @include stream-ids
local entries = 0
local oldest = ""
for i = 1, #KEYS do
  entries = entries + redis.call("XLEN", KEYS[i])
  local first = redis.call("XRANGE", KEYS[i], "-", "+", "COUNT", 1)
  if #first > 0 and (oldest == "" or stream_id_older(first[1][1], oldest)) then
    oldest = first[1][1]
  end
end
return { entries, oldest }
