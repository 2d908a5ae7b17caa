--[[
  Idempotently append a command to a partition inbox, unless its deadline has passed.

  Input:
    KEYS[1] inbox stream                    {prefix:p}:in
    KEYS[2] dedupe marker prefix            {prefix:p}:dedupe: (the cmdId's marker is this plus the
                                            cmdId, untouched when cmdId is empty: the id is sent once)

    ARGV[1] type
    ARGV[2] actor ("kind:id")
    ARGV[3] payload (JSON)
    ARGV[4] cmdId ("" = no deduplication)
    ARGV[5] dedupe marker TTL (ms)
    ARGV[6] deadline: ms since the epoch on Redis's clock (TIME); "0" = none. The edge sets it for
            a command it answers a client about: once it passed, the client may have been told
            that nothing was accepted, so nothing may be written.
    ARGV[7..] extra field/value pairs (e.g. replyTo, <reply address>)

  Output:
    -4 (ScriptError.Expired) when the deadline has passed: nothing is written (the cmdId is not looked up).
    Else {streamId, duplicate}: duplicate is 1 when the cmdId was seen already, and streamId is
    then the id of the first append (no new entry is written), else 0.

  Entry fields: type, actor, payload, then cmdId when given, then the extra pairs.
]]
-- @include deadline-passed
if deadline_passed(tonumber(ARGV[6])) then
  return -4
end

local cmdId = ARGV[4]
if cmdId ~= "" then
  local seen = redis.call("GET", KEYS[2] .. cmdId)
  if seen then
    return {seen, 1}
  end
end

local fields = {"type", ARGV[1], "actor", ARGV[2], "payload", ARGV[3]}
if cmdId ~= "" then
  fields[#fields + 1] = "cmdId"
  fields[#fields + 1] = cmdId
end
for i = 7, #ARGV do
  fields[#fields + 1] = ARGV[i]
end

local id = redis.call("XADD", KEYS[1], "*", unpack(fields))
if cmdId ~= "" then
  redis.call("SET", KEYS[2] .. cmdId, id, "PX", ARGV[5])
end
return {id, 0}
