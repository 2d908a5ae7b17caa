--[[
  One runtime batch's routing, atomically, in one call (src/runtime/router.ts `route`; the routing sweep's too):
    1. releases group slots (group_release): the capabilities of a group brought back under its cap are reopened;
    1b. refills: each agent whose RELEASE is being appended takes ONE ready task for the slot it frees, as a fill
       of one slot takes it (ready_take), among the capabilities its last fill request stored (`agent-caps`); an
       agent with none stored (never asked, or its last ask had no free slot) takes nothing;
    2. fills: each agent with free slots takes up to that many of the tasks waiting for its capabilities
       (ready_take) and is marked idle for them with the slots left (idle_mark; none left, or none free: it is
       no longer idle there);
    3. queues the batch's ready tasks (ready_enqueue);
    4. wakes, for each capability of those tasks and then each reopened one, the idle agents of the capability,
       the best rank first (idle_pop): each takes up to its free slots of that capability and is marked idle
       there with what is left; at most ARGV[2] agents per capability, and none after one that took fewer
       than its free slots (the queue is empty, or its groups are at their caps).
  Nothing runs between the steps, so a task queued in step 3 cannot miss an agent marked idle in step 2.

  Input:
    KEYS[1] the routing base        {prefix:route}  (every key touched shares its hash tag)
    ARGV[1] 'always', or 'unless_taken' (the sweep's repairs: a task noted as taken is not queued again)
    ARGV[2] idle agents woken per capability, at most
    then    the number of releases, then two per release: group, task id
    then    the number of refills, then one per refill: agent id
    then    the number of fills, then per fill: agent id, free slots, score units (routing score × 10,000),
            the number of its capabilities, its capabilities
    then    the number of tasks, then five per task: capability, group ('' for none), task id, priority, since (ms)

  Output: {fill offers, wake offers, refills}: the offers each a flat list agent id, task id, ... in the order the
  tasks were taken; the refills five per refill, in order: task id ('' for none), capability, group, priority, since.

  `agent-caps` (agent id -> its capabilities, JSON) is written by each fill with free slots and removed by one
  without (a breaker refusing work): where an agent is marked, or forgotten, as idle.
]]
-- @include ready-queues
-- @include idle-agents
local base = KEYS[1]
local unless_taken = ARGV[1] == 'unless_taken'
local wake_agents = tonumber(ARGV[2])
local at = 3
local next_arg = function()
  at = at + 1
  return ARGV[at - 1]
end

-- 1. Group slots released.
local slots = {}
for i = 1, tonumber(next_arg()) * 2 do slots[i] = next_arg() end
local reopened = group_release(base, slots)

-- 1b. Refills: one task each, for the agents whose capabilities are known.
local refills = {}
for _ = 1, tonumber(next_arg()) do
  local agent = next_arg()
  local known = redis.call('HGET', base .. ':agent-caps', agent)
  local facts = {}
  if known then ready_take(base, cjson.decode(known), 1, facts) end
  local fact = facts[1]
  if fact then
    for _, value in ipairs({ fact.id, fact.capability, fact.group, fact.priority, fact.since }) do refills[#refills + 1] = value end
  else
    for _, value in ipairs({ '', '', '', 0, 0 }) do refills[#refills + 1] = value end
  end
end

-- An agent with `free` slots takes what waits for `capabilities`; its offers go to `offers`. How many it took.
local fill = function(agent, capabilities, free, units, offers)
  if free <= 0 then
    idle_mark(base, capabilities, agent, 0, units)
    return 0
  end
  local taken = ready_take(base, capabilities, free)
  for _, id in ipairs(taken) do
    offers[#offers + 1] = agent
    offers[#offers + 1] = id
  end
  idle_mark(base, capabilities, agent, free - #taken, units)
  return #taken
end

-- 2. Fills.
local fill_offers = {}
for _ = 1, tonumber(next_arg()) do
  local agent, free, units = next_arg(), tonumber(next_arg()), tonumber(next_arg())
  local capabilities = {}
  for c = 1, tonumber(next_arg()) do capabilities[c] = next_arg() end
  if free > 0 then
    redis.call('HSET', base .. ':agent-caps', agent, cjson.encode(capabilities))
  else
    redis.call('HDEL', base .. ':agent-caps', agent)
  end
  fill(agent, capabilities, free, units, fill_offers)
end

-- 3. The batch's ready tasks queued; their capabilities are woken first, then the reopened ones.
local woken, wake = {}, {}
local to_wake = function(capability)
  if not woken[capability] then
    woken[capability] = true
    wake[#wake + 1] = capability
  end
end
for _ = 1, tonumber(next_arg()) do
  local capability, group, id, priority, since = next_arg(), next_arg(), next_arg(), tonumber(next_arg()), tonumber(next_arg())
  ready_enqueue(base, capability, group, id, priority, since, unless_taken)
  to_wake(capability)
end
for _, capability in ipairs(reopened) do to_wake(capability) end

-- 4. Idle agents woken. With nothing waiting, the first would take nothing and be marked idle as it was: skipped.
local wake_offers = {}
for _, capability in ipairs(wake) do
  if redis.call('EXISTS', base .. ':q:' .. capability) == 1 then
    for _ = 1, wake_agents do
      local agent, free, units = idle_pop(base, capability)
      if agent == nil then break end
      if fill(agent, { capability }, free, units, wake_offers) < free then break end
    end
  end
end
return { fill_offers, wake_offers, refills }
