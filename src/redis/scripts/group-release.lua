-- Releases tasks from their groups' in-flight sets, and answers the capabilities whose idle agents should be
-- woken: those with a task waiting in a group that this release brought back under its cap (it was at its
-- `max_in_flight`). `<base>:gc:<group>` lists the capabilities a group has queued tasks under (ready-enqueue.lua
-- adds to it); one whose queue is empty is dropped from it here.
-- KEYS[1]: the routing base `{prefix:route}`. ARGV: two per task: group, task id.
local base = KEYS[1]
local reopened = {}
for i = 1, #ARGV, 2 do
  local group, id = ARGV[i], ARGV[i + 1]
  local held = base .. ':held:' .. group
  if redis.call('SREM', held, id) == 1 then
    local cap = tonumber(redis.call('HGET', base .. ':caps', group))
    if cap ~= nil and redis.call('SCARD', held) == cap - 1 then reopened[group] = true end
  end
end
local wake, seen = {}, {}
for group in pairs(reopened) do
  local index = base .. ':gc:' .. group
  for _, capability in ipairs(redis.call('SMEMBERS', index)) do
    if redis.call('EXISTS', base .. ':g:' .. capability .. '|' .. group) == 0 then
      redis.call('SREM', index, capability)
    elseif not seen[capability] then
      seen[capability] = true
      wake[#wake + 1] = capability
    end
  end
end
return wake
