-- Puts ready tasks in their capability's queue, each in its group's own queue: a task already queued
-- keeps its place; a task queued again is no longer in flight for its group, nor noted as taken. The capability's
-- rotation (`q:<capability>`) holds each group with a waiting task, scored by its most urgent task's
-- priority band, then its turn: a group that becomes non-empty joins the back of its band. A group's
-- capabilities are indexed (`gc:<group>`) so that a slot freed under its cap wakes their agents (group-release.lua).
-- The routing sweep's repairs pass ARGV[1] = 'unless_taken': a task noted as taken is then left alone,
-- checked here, atomically with the queueing: a task the sweep saw waiting may have been taken since
-- (its proposal on its way), and queueing it again would offer it to a second agent.
-- KEYS[1]: the routing base `{prefix:route}`.
-- ARGV[1]: 'always' or 'unless_taken'; then five per task: capability, group ('' for none), task id,
-- priority, since (ms). Returns how many tasks were queued anew.
local base = KEYS[1]
local BAND = 1e13
local score = function(x) return string.format('%.0f', x) end
local unlessTaken = ARGV[1] == 'unless_taken'
local queued = 0
for i = 2, #ARGV, 5 do
  local capability, group, id = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local priority, since = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  local queue = base .. ':g:' .. capability .. '|' .. group
  -- Already queued (the routing sweep looks at every task waiting long): its group is in the rotation,
  -- and it is neither held nor noted as taken (a take removes it from its queue).
  local skipped = unlessTaken and redis.call('ZSCORE', base .. ':taken', id)
  if not skipped and redis.call('ZADD', queue, 'NX', score(priority * BAND + since), id) == 1 then
    queued = queued + 1
    if group ~= '' then
      redis.call('SREM', base .. ':held:' .. group, id)
      redis.call('SADD', base .. ':gc:' .. group, capability)
    end
    redis.call('ZREM', base .. ':taken', id)
    local head = redis.call('ZRANGE', queue, 0, 0, 'WITHSCORES')
    local band = math.floor(tonumber(head[2]) / BAND)
    local rotation = base .. ':q:' .. capability
    local current = redis.call('ZSCORE', rotation, group)
    if not current then
      local turn = redis.call('INCR', base .. ':t:' .. capability)
      redis.call('ZADD', rotation, score(band * BAND + turn), group)
    elseif math.floor(tonumber(current) / BAND) ~= band then
      redis.call('ZADD', rotation, score(band * BAND + tonumber(current) % BAND), group)
    end
  end
end
return queued
