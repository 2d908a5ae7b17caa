--[[
  Releases tasks from their groups' in-flight sets (group_release in ready-queues.lua).

  Input:
    KEYS[1] the routing base        {prefix:route}
    ARGV    two per task: group, task id

  Output: the capabilities whose idle agents should be woken: those with a task waiting in a group that
  this release brought back under its cap (it was at its `max_in_flight`).
]]
-- @include ready-queues
return group_release(KEYS[1], ARGV)
