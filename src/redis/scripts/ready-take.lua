--[[
  Takes up to `count` ready tasks for an agent of some capabilities: the most urgent priority first,
  round-robin across groups within a priority, groups at their cap skipped, the older task first across
  capabilities; each task taken is in flight for its group and noted as taken, with the time
  (ready_take in ready-queues.lua).

  Input:
    KEYS[1] the routing base        {prefix:route}
    ARGV[1] count
    ARGV[2..] capabilities

  Output: the task ids taken.
]]
-- @include ready-queues
local capabilities = {}
for c = 2, #ARGV do capabilities[#capabilities + 1] = ARGV[c] end
return ready_take(KEYS[1], capabilities, tonumber(ARGV[1]))
