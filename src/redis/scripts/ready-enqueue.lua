-- Puts ready tasks in their capability's queue, each in its group's own queue: a task already queued
-- keeps its place; a task queued again is no longer in flight for its group, nor noted as taken. The capability's
-- rotation (`q:<capability>`) holds each group with a waiting task, scored by its most urgent task's
-- priority band, then its turn: a group that becomes non-empty joins the back of its band.
-- KEYS[1]: the routing base `{prefix:route}`.
-- ARGV: five per task: capability, group ('' for none), task id, priority, since (ms).
local base = KEYS[1]
local BAND = 1e13
local score = function(x) return string.format('%.0f', x) end
for i = 1, #ARGV, 5 do
  local capability, group, id = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local priority, since = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  local queue = base .. ':g:' .. capability .. '|' .. group
  -- Already queued (the routing sweep looks at every task waiting long): its group is in the rotation,
  -- and it is neither held nor noted as taken (a take removes it from its queue).
  if redis.call('ZADD', queue, 'NX', score(priority * BAND + since), id) == 1 then
    if group ~= '' then redis.call('SREM', base .. ':held:' .. group, id) end
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
return 0
