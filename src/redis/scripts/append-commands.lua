--[[
  Included by append-runs.lua (-- @include append-commands), not a script of its own.

  append_each(inbox, dedupe, ttl, type, actor, args, first, last): appends the commands of one type to
  one actor whose (cmdId, payload) pairs are args[first..last] as ONE entry of the stream `inbox`,
  leaving out each command appended before (its marker is `dedupe` plus its cmdId, kept `ttl` ms).
  One new command is an ordinary entry (type, actor, payload, then cmdId unless it is ""; a command
  without a cmdId is not deduplicated); two or more: type, actor, payload = a JSON array of their
  payloads in order, batch = their count.
  Answers {streamId, appended}: the new entry's id and how many commands it holds, or {firstSeenId, 0}
  when every command was appended before (nothing is written).
]]
local function append_each(inbox, dedupe, ttl, type, actor, args, first, last)
  local fresh = {}
  local seen = nil
  for i = first, last, 2 do
    local was = args[i] ~= "" and redis.call("GET", dedupe .. args[i])
    if was then
      seen = seen or was
    else
      fresh[#fresh + 1] = i
    end
  end
  if #fresh == 0 then
    return {seen, 0}
  end

  local id
  if #fresh == 1 then
    local i = fresh[1]
    if args[i] == "" then
      id = redis.call("XADD", inbox, "*", "type", type, "actor", actor, "payload", args[i + 1])
    else
      id = redis.call("XADD", inbox, "*", "type", type, "actor", actor, "payload", args[i + 1], "cmdId", args[i])
    end
  else
    local payloads = {}
    for n, i in ipairs(fresh) do
      payloads[n] = args[i + 1]
    end
    id = redis.call("XADD", inbox, "*", "type", type, "actor", actor, "payload",
      "[" .. table.concat(payloads, ",") .. "]", "batch", tostring(#fresh))
  end
  for _, i in ipairs(fresh) do
    if args[i] ~= "" then
      redis.call("SET", dedupe .. args[i], id, "PX", ttl)
    end
  end
  return {id, #fresh}
end
