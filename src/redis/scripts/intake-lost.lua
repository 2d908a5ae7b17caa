--[[
  Tasks given at their intake whose agent's loss came before their CREATE was appended (src/runtime/intake.ts): the
  loss resolved the given slot to a task that did not exist yet, which refused the loss's AGENT_LOST as a missing actor
  (route-batch.lua step 0 marks such a slot `l:<slot>` with the loss's reason). The producer asks once the CREATEs are
  appended, and appends AGENT_LOST to each task answered: created assigned to an agent that left, it goes back to ready
  at once instead of waiting for its deadline. Read only; the mark goes with the slot's `v:` when the task's release
  settles it.

  Input:
    KEYS[1] the routing base        {prefix:route}  (every key touched shares its hash tag)
    ARGV    two per task given: agent id, task id

  Output: a flat list, per task whose agent was lost: task id, agent id, the loss's reason.
]]
local base = KEYS[1]
local lost = {}
for i = 1, #ARGV, 2 do
  local agent, task = ARGV[i], ARGV[i + 1]
  local reason = redis.call('HGET', base .. ':slots:' .. agent, 'l:' .. task)
  if reason then
    lost[#lost + 1] = task
    lost[#lost + 1] = agent
    lost[#lost + 1] = reason
  end
end
return lost
