--[[
  Idempotently append commands to partition inboxes, each as its own entry, unless its deadline has passed: the
  commands a process sends in one tick (src/runtime/append.ts gathers them), in one call. Several partitions in one
  call only on a single Redis: in a Redis Cluster each partition is a slot of its own, and the caller sends one call
  per partition (src/redis/scripts.ts).

  Input:
    per partition, two keys:
    KEYS[2k-1] inbox stream                 {prefix:p}:in
    KEYS[2k]   dedupe marker prefix         {prefix:p}:dedupe: (the cmdId's marker is this plus the
                                            cmdId, untouched when cmdId is empty: the id is sent once)

    ARGV[1] dedupe marker TTL (ms)
    ARGV[2..] per command, in order:
      k         its partition: the k-th pair of KEYS (1-based)
      type
      actor     "kind:id"
      payload   JSON
      cmdId     "" = no deduplication
      deadline  ms since the epoch on Redis's clock (TIME); "0" = none. The edge sets it for a command it
                answers a client about: once it passed, the client may have been told that nothing was
                accepted, so nothing may be written.
      n         how many extra field/value pairs follow (e.g. replyTo, <reply address>)
      then the 2n extra fields

  Output:
    per command, in order, two values: streamId, duplicate (1 when the cmdId was seen already: streamId is then
    the first append's id and no entry is written, else 0); or -4 (ScriptError.Expired), 0 when its deadline had
    passed: nothing is written for it (its cmdId is not looked up).

  Entry fields: type, actor, payload, then cmdId when given, then the extra pairs.
]]
-- @include deadline-passed

local ttl = ARGV[1]
local out = {}
local i = 2
while i <= #ARGV do
  local k = tonumber(ARGV[i])
  local inbox, dedupe = KEYS[2 * k - 1], KEYS[2 * k]
  local cmdId = ARGV[i + 4]
  local extra = tonumber(ARGV[i + 6])
  local first_extra, last = i + 7, i + 6 + 2 * extra
  if deadline_passed(tonumber(ARGV[i + 5])) then
    out[#out + 1] = -4
    out[#out + 1] = 0
  else
    local seen = cmdId ~= "" and redis.call("GET", dedupe .. cmdId)
    if seen then
      out[#out + 1] = seen
      out[#out + 1] = 1
    else
      local fields = {"type", ARGV[i + 1], "actor", ARGV[i + 2], "payload", ARGV[i + 3]}
      if cmdId ~= "" then
        fields[#fields + 1] = "cmdId"
        fields[#fields + 1] = cmdId
      end
      for f = first_extra, last do
        fields[#fields + 1] = ARGV[f]
      end
      local id = redis.call("XADD", inbox, "*", unpack(fields))
      if cmdId ~= "" then
        redis.call("SET", dedupe .. cmdId, id, "PX", ttl)
      end
      out[#out + 1] = id
      out[#out + 1] = 0
    end
  end
  i = last + 1
end
return out
