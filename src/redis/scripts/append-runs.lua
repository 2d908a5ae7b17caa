--[[
  Idempotently append a batch's commands to the actors of one or more partitions in one step: several runs
  (commands of one type in a row to one actor, e.g. its tasks' TASK_STATUS reports to a session), each
  as one entry (append_each, included: each command deduplicated by its own cmdId, so a redelivered
  batch, grouped the same or not, appends nothing twice), in the order given: the runs to one actor
  enter its inbox in that order. Several partitions in one call only on a single Redis: in a Redis Cluster each
  partition is a slot of its own, and the caller sends one call per partition (src/redis/scripts.ts).

  Input:
    per partition, in order, two keys:
    KEYS[2k-1] inbox stream                 {prefix:p}:in
    KEYS[2k]   dedupe marker prefix         {prefix:p}:dedupe:

    ARGV[1] dedupe marker TTL (ms)
    ARGV[2] the command ids' shared prefix, sent once ("" when none): each command's id is it followed by the
            id given below
    ARGV[3..] per partition, in the order of KEYS: the number of its runs, then per run: type, actor ("kind:id"),
              n (how many commands), then n pairs cmdId, payload (cmdId "": not deduplicated, only in a run of one;
              the prefix is not put before it; type "": the previous run's; payload "": the previous command's, so
              a sweep's runs send theirs once)

  Output:
    per run, in order (partition by partition): streamId, appended: the new entry's id and how many commands it
    holds, or firstSeenId, 0 when every command of the run was appended before (nothing is written).

  Entry fields: type, actor, payload, cmdId (left out when "") for a run's one new command (an
  ordinary entry); for two or more: type, actor, payload = a JSON array of the payloads in order,
  batch = their count.
]]
local prefix = ARGV[2]
local last_payload = nil

-- A command's id as given (after the prefix), whole: "" stays "" (not deduplicated).
local function command_id(given)
  if given == "" then
    return ""
  end
  return prefix .. given
end

-- One run: the commands of args[first..last] ((cmdId, payload) pairs), those not appended before, as one entry;
-- {streamId, appended}, or {firstSeenId, 0} when every one was appended before.
local function append_each(inbox, dedupe, ttl, type, actor, args, first, last)
  local fresh = {}
  local seen = nil
  for i = first, last, 2 do
    args[i] = command_id(args[i])
    if args[i + 1] == "" then
      args[i + 1] = last_payload
    end
    last_payload = args[i + 1]
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

local out = {}
local last_type = nil
local i = 3
for k = 1, #KEYS, 2 do
  local runs = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, runs do
    local n = tonumber(ARGV[i + 2])
    local last = i + 2 + 2 * n
    if ARGV[i] ~= "" then
      last_type = ARGV[i]
    end
    local appended = append_each(KEYS[k], KEYS[k + 1], ARGV[1], last_type, ARGV[i + 1], ARGV, i + 3, last)
    out[#out + 1] = appended[1]
    out[#out + 1] = appended[2]
    i = last + 1
  end
end
return out
