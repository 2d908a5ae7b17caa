--[[
  Included by route-batch.lua (-- @include idle-agents), not a script of its own: the idle agents of a
  capability, `<base>:idle:<capability>` under the routing base `base` ({prefix:route}): agents that asked for
  work and found none, each scored by its rank = score units × IDLE_SLOTS + its free slots (at most
  IDLE_SLOTS − 1), score units its routing score × 10,000 (src/redis/idle-agents.ts ranks the same way).

  idle_mark(base, capabilities, agent, free, units): records `agent` as idle with `free` slots for each of
    `capabilities` (0 or less: no longer idle there).
  idle_pop(base, capability): takes the idle agent of the best rank (the greatest id among equals): its id,
    free slots and score units; nil when none is idle.
]]
local IDLE_SLOTS = 2048
local function idle_mark(base, capabilities, agent, free, units)
  for _, capability in ipairs(capabilities) do
    local key = base .. ':idle:' .. capability
    if free > 0 then
      redis.call('ZADD', key, string.format('%.0f', units * IDLE_SLOTS + math.min(free, IDLE_SLOTS - 1)), agent)
    else
      redis.call('ZREM', key, agent)
    end
  end
end

local function idle_pop(base, capability)
  local popped = redis.call('ZPOPMAX', base .. ':idle:' .. capability)
  if #popped == 0 then return nil end
  local ranked = tonumber(popped[2])
  return popped[1], ranked % IDLE_SLOTS, math.floor(ranked / IDLE_SLOTS)
end
