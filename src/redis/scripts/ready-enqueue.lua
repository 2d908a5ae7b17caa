--[[
  Puts ready tasks in their capability's queue, each in its group's own queue: a task already queued keeps
  its place; a task queued again is no longer in flight for its group, nor noted as taken
  (ready_enqueue in ready-queues.lua).

  Input:
    KEYS[1] the routing base        {prefix:route}
    ARGV[1] 'always', or 'unless_taken' (the routing sweep's repairs: a task noted as taken is left alone,
            checked atomically with the queueing)
    ARGV[2..] five per task: capability, group ('' for none), task id, priority, since (ms)

  Output: how many tasks were queued anew.
]]
-- @include ready-queues
local unless_taken = ARGV[1] == 'unless_taken'
local queued = 0
for i = 2, #ARGV, 5 do
  queued = queued + ready_enqueue(KEYS[1], ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), unless_taken)
end
return queued
