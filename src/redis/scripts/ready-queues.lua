--[[
  Included by route-batch.lua (-- @include ready-queues), not a script of its own: the ready queues'
  three operations, which route-batch.lua puts together in one call.
  Every key is under the routing base `base` ({prefix:route}, src/redis/keys.ts `Keys.route`), one hash slot.

  A capability's rotation (`q:<capability>`) holds each group with a waiting task, scored by its most urgent
  task's priority band (READY_BAND), then its turn (`t:<capability>`); a group's own queue (`g:<capability>|<group>`)
  holds its ready tasks scored by priority band, then since. A task taken for a capped group is in flight for it
  (`held:<group>`) until released or queued again; `caps` holds the caps; `gc:<group>` the capabilities the group
  has queued tasks under; `taken` every task taken lately, by time.

  ready_enqueue(base, capability, group, id, priority, since, unless_taken): nothing (queues the task, or leaves it).
  ready_take(base, capabilities, count, facts): the task ids taken (at most count), in the order taken; given a
    table `facts`, each taken task's routing facts are appended to it ({id, capability, group, priority, since}).
  group_release(base, slots): slots a flat list group, task id, ...; the capabilities whose idle agents to wake.
]]
local READY_BAND = 1e13
local function ready_score(x) return string.format('%.0f', x) end

-- Puts a ready task in its capability's queue, in its group's own queue: a task already queued keeps its
-- place; a task queued again is no longer in flight for its group, nor noted as taken. A group that becomes
-- non-empty joins the back of its band. A group's capabilities are indexed (`gc:<group>`) so that a slot freed
-- under its cap wakes their agents (group_release). `unless_taken` (the routing sweep's repairs): a task
-- noted as taken is left alone, checked here, atomically with the queueing: a task the sweep saw waiting may
-- have been taken since (its proposal on its way), and queueing it again would offer it to a second agent.
local function ready_enqueue(base, capability, group, id, priority, since, unless_taken)
  local queue = base .. ':g:' .. capability .. '|' .. group
  -- Already queued (the routing sweep looks at every task waiting long): its group is in the rotation,
  -- and it is neither held nor noted as taken (a take removes it from its queue).
  if unless_taken and redis.call('ZSCORE', base .. ':taken', id) then return end
  if redis.call('ZADD', queue, 'NX', ready_score(priority * READY_BAND + since), id) == 0 then return end
  if group ~= '' then
    redis.call('SREM', base .. ':held:' .. group, id)
    redis.call('SADD', base .. ':gc:' .. group, capability)
  end
  redis.call('ZREM', base .. ':taken', id)
  local head = redis.call('ZRANGE', queue, 0, 0, 'WITHSCORES')
  local band = math.floor(tonumber(head[2]) / READY_BAND)
  local rotation = base .. ':q:' .. capability
  local current = redis.call('ZSCORE', rotation, group)
  if not current then
    local turn = redis.call('INCR', base .. ':t:' .. capability)
    redis.call('ZADD', rotation, ready_score(band * READY_BAND + turn), group)
  elseif math.floor(tonumber(current) / READY_BAND) ~= band then
    redis.call('ZADD', rotation, ready_score(band * READY_BAND + tonumber(current) % READY_BAND), group)
  end
end

-- Takes up to `count` ready tasks for an agent of `capabilities`: each time, the group first in its
-- capability's rotation (most urgent priority band, then turn) that is under its cap gives its most urgent
-- task, and goes to the back of its band (round-robin across groups within a priority); across capabilities
-- the more urgent band wins, then the older task. Every task taken is noted with the time (`taken`, Redis'
-- clock) so the routing sweep does not queue again a task whose proposal is still on its way (the sweep drops
-- the notes older than its hold).
local function ready_take(base, capabilities, count, facts)
  local PAGE = 16
  local caps = {}
  local flat = redis.call('HGETALL', base .. ':caps')
  for i = 1, #flat, 2 do caps[flat[i]] = tonumber(flat[i + 1]) end
  local held = {}
  local open = function(group)
    local cap = caps[group]
    if group == '' or cap == nil then return true end
    if held[group] == nil then held[group] = redis.call('SCARD', base .. ':held:' .. group) end
    return held[group] < cap
  end
  -- The first group of `capability` under its cap: group, band, its head task's score.
  local first = function(capability)
    local rotation = base .. ':q:' .. capability
    local start = 0
    while true do
      local page = redis.call('ZRANGE', rotation, start, start + PAGE - 1, 'WITHSCORES')
      if #page == 0 then return nil end
      for j = 1, #page, 2 do
        local group = page[j]
        if open(group) then
          local head = redis.call('ZRANGE', base .. ':g:' .. capability .. '|' .. group, 0, 0, 'WITHSCORES')
          if #head > 0 then return { group = group, band = math.floor(tonumber(page[j + 1]) / READY_BAND), task = tonumber(head[2]) } end
          redis.call('ZREM', rotation, group)
        end
      end
      start = start + PAGE
    end
  end
  local taken = {}
  while #taken < count do
    local best, bestCapability = nil, nil
    for _, capability in ipairs(capabilities) do
      local found = first(capability)
      if found and (best == nil or found.band < best.band or (found.band == best.band and found.task < best.task)) then
        best, bestCapability = found, capability
      end
    end
    if best == nil then break end
    local queue = base .. ':g:' .. bestCapability .. '|' .. best.group
    local popped = redis.call('ZPOPMIN', queue)
    taken[#taken + 1] = popped[1]
    if facts then
      local score = tonumber(popped[2])
      local priority = math.floor(score / READY_BAND)
      facts[#facts + 1] = {
        id = popped[1], capability = bestCapability, group = best.group, priority = priority,
        since = ready_score(score - priority * READY_BAND),
      }
    end
    if best.group ~= '' then
      redis.call('SADD', base .. ':held:' .. best.group, popped[1])
      if held[best.group] ~= nil then held[best.group] = held[best.group] + 1 end
    end
    local rotation = base .. ':q:' .. bestCapability
    local head = redis.call('ZRANGE', queue, 0, 0, 'WITHSCORES')
    if #head == 0 then
      redis.call('ZREM', rotation, best.group)
    else
      local turn = redis.call('INCR', base .. ':t:' .. bestCapability)
      redis.call('ZADD', rotation, ready_score(math.floor(tonumber(head[2]) / READY_BAND) * READY_BAND + turn), best.group)
    end
  end
  if #taken > 0 then
    local time = redis.call('TIME')
    local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
    local notes = {}
    for i = 1, #taken do
      notes[#notes + 1] = now
      notes[#notes + 1] = taken[i]
    end
    redis.call('ZADD', base .. ':taken', unpack(notes))
  end
  return taken
end

-- Releases tasks from their groups' in-flight sets, and answers the capabilities whose idle agents should be
-- woken: those with a task waiting in a group that this release brought back under its cap (it was at its
-- `max_in_flight`). A capability of `gc:<group>` whose queue is empty is dropped from it here.
local function group_release(base, slots)
  local reopened = {}
  for i = 1, #slots, 2 do
    local group, id = slots[i], slots[i + 1]
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
end
