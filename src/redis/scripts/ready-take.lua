-- Takes up to `count` ready tasks for an agent of some capabilities: each time, the group first in
-- its capability's rotation (most urgent priority band, then turn) that is under its cap gives its
-- most urgent task, and goes to the back of its band (round-robin across groups within a priority);
-- across capabilities the more urgent band wins, then the older task. A task taken for a group is
-- in flight for it (a set) until the task is released or queued again. Every task taken is noted
-- with the time (`taken`, Redis' clock) so the routing sweep does not queue again a task whose
-- proposal is still on its way (the sweep drops the notes older than its hold).
-- KEYS[1]: the routing base `{prefix:route}`. ARGV[1]: count; ARGV[2..]: capabilities.
-- Returns the task ids taken.
local base = KEYS[1]
local BAND = 1e13
local PAGE = 16
local count = tonumber(ARGV[1])
local score = function(x) return string.format('%.0f', x) end
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
        if #head > 0 then return { group = group, band = math.floor(tonumber(page[j + 1]) / BAND), task = tonumber(head[2]) } end
        redis.call('ZREM', rotation, group)
      end
    end
    start = start + PAGE
  end
end
local taken = {}
while #taken < count do
  local best, bestCapability = nil, nil
  for c = 2, #ARGV do
    local found = first(ARGV[c])
    if found and (best == nil or found.band < best.band or (found.band == best.band and found.task < best.task)) then
      best, bestCapability = found, ARGV[c]
    end
  end
  if best == nil then break end
  local queue = base .. ':g:' .. bestCapability .. '|' .. best.group
  local popped = redis.call('ZPOPMIN', queue)
  taken[#taken + 1] = popped[1]
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
    redis.call('ZADD', rotation, score(math.floor(tonumber(head[2]) / BAND) * BAND + turn), best.group)
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
