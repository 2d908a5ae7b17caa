--[[
  Standalone tasks given straight to idle agents at their intake, before their CREATE is appended
  (src/runtime/intake.ts): a task created while a free slot waits for its capability is created assigned, with no
  ready queue and no ASSIGN entry on its way. For each task, in order: when no task waits for its capability
  (`q:<capability>` absent: nothing is passed over) and the idle agent of the best rank (idle_pop) takes transfers
  with its free slots kept exactly (in `agent-caps`, `fr` above 0: what a wake gives tasks straight to, route-batch.lua
  step 4), the task is given to it: `v:<task>` in its record (the time; the GIVEN appended once the CREATE is tells
  the agent, and a slot whose GIVEN never comes is forgotten after the hold, as a wake's), `fr` one less, and the agent
  marked idle for its capabilities with what is left. Any other agent is put back as it was, and no further task of
  that capability is given in this call: its CREATE routes it as before (ready, queued, the agent woken).

  Input:
    KEYS[1] the routing base        {prefix:route}  (every key touched shares its hash tag)
    ARGV    two per task: capability, task id

  Output: a flat list, per task given: task id, agent id.
]]
-- @include idle-agents
local base = KEYS[1]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local given, closed = {}, {}
for i = 1, #ARGV, 2 do
  local capability, task = ARGV[i], ARGV[i + 1]
  if not closed[capability] and redis.call('EXISTS', base .. ':q:' .. capability) == 0 then
    local agent, free, units = idle_pop(base, capability)
    if agent == nil then
      closed[capability] = true
    else
      local known = redis.call('HGET', base .. ':agent-caps', agent)
      local record = base .. ':slots:' .. agent
      local left = known and tonumber(redis.call('HGET', record, 'fr') or '0') or 0
      if left > 0 then
        redis.call('HSET', record, 'v:' .. task, now, 'fr', left - 1)
        idle_mark(base, cjson.decode(known), agent, left - 1, units)
        given[#given + 1] = task
        given[#given + 1] = agent
      else
        idle_mark(base, { capability }, agent, free, units)
        closed[capability] = true
      end
    end
  end
end
return given
