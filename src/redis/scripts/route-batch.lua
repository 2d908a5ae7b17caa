--[[
  One runtime batch's routing, atomically, in one call (src/runtime/router.ts `route`; the routing sweep's too):
    0. agents leaving work (a loss, a drain): each is no longer in `agent-caps` (no slot of it is transferred after
       this) nor idle for any of its capabilities (no wake proposes it a task it would refuse, or one it still holds
       on its way back to ready), and each of its slots is resolved to the task holding it now (`slots:<agent>`); a
       loss forgets them;
    0b. proposals refused (`agent.reserve_refused` of a RESERVE or a RELEASE's next task): each is removed from its
       agent's record (`p:<task>`), so it no longer counts against the agent's free slots in this call's fills and
       after (not only after ARGV[5]);
       a proposal of the task recorded after the refused RESERVE was appended is a newer one and stays;
    1. releases group slots (group_release): the capabilities of a group brought back under its cap are reopened;
    1b. releases of agents' slots, one decision each (`settle`): an agent in `agent-caps` (its last fill request had
       free slots and its breaker closed) takes ONE ready task among its stored capabilities (ready_take); for a
       `completed` outcome the slot is transferred to that task (the agent is not told: its count of slots is the
       same; the success is counted in `slots:<agent>`), otherwise the agent gets RELEASE with the slot, the
       successes counted since its last RELEASE, whether the slot was given it straight by a wake (`told`: its
       GIVEN may reach it after this RELEASE; `x:<slot>` until that RELEASE is appended), and the task taken (its next
       reservation, which it may refuse; a proposal, `p:<task>`);
    2. fills: each agent with free slots takes up to that many of the tasks waiting for its capabilities
       (ready_take) and is marked idle for them with the slots left (idle_mark; none left, or none free: it is
       no longer idle there); one that names its slots (`held`) and takes transfers has its free slots kept
       exactly (`fr`: its free slots less the slots given it straight that it does not name, less what it took);
    3. queues the batch's ready tasks (ready_enqueue), except one of this batch already given straight by an earlier
       carrying out of the same item (its decision kept under the item's command id: given again, to the same agent);
    4. wakes, for each capability of those tasks and then each reopened one, the idle agents of the capability,
       the best rank first (idle_pop): an agent with `fr` kept (and in `agent-caps`) is given up to `fr` tasks of
       that capability straight (`gives`: ASSIGN to each task, GIVEN to the agent; each recorded `v:<task>`) and
       marked idle for all its capabilities with what is left; any other takes up to its free slots of that
       capability (proposed: RESERVE) and is marked idle there with what is left; at most ARGV[2] agents per
       capability, and none after one that took fewer than its free slots (the queue is empty, or its groups are at
       their caps).
  Nothing runs between the steps, so a task queued in step 3 cannot miss an agent marked idle in step 2.

  An agent's slot is named by the task it was reserved for (the agent machine's `inflight`); `slots:<agent>` holds
  the slots transferred since: `t:<task>` -> the slot a task holds, `s:<slot>` -> the task holding it, and `ok`, the
  successes transferred since its last RELEASE, `v:<slot>` a slot given it straight by a wake (told to it by the GIVEN
  the carrying out appends with the task's ASSIGN; the time of the give), removed when a RELEASE frees it or, not named
  by a fill after ARGV[5], as a tell that never came, `x:<slot>` a given slot released whose RELEASE is not appended
  yet (the time of the settle; removed once it is: src/redis/ready-queue.ts `releasesAppended`, or after ARGV[5]),
  `l:<slot>` a given slot its agent's loss resolved before the agent named it (the loss's reason; removed with `v:`),
  `p:<task>` a task proposed to it (RESERVE, or a RELEASE's next task; the time of the proposal), removed once a fill
  names it (applied), its slot is settled, the agent refused it (step 0b), or it is older than ARGV[5] (dropped by a
  crash), `fr` its free slots kept exactly (read only while it is in `agent-caps`), and `fe` the inbox entry of its
  last fill carried out (kept through a loss). A fill's free slots are its machine's count less the given slots,
  released given slots and proposals its `held` does not name: still on their way to it, whichever process appended
  them. A loss forgets the record but for the given slots the agent did not name: their late GIVEN is answered by the
  RELEASE their task's loss brings (`told`), which removes them.
  A decision of step 0 or 1b is kept under its command id
  (`decided:<cmd id>`, ARGV[3] ms) and a repeat answers it again, so a redelivered batch appends the same commands
  (deduplicated); a repeat (`replayed`) after that is gone decides nothing new: a plain RELEASE of the task's slot.

  Input:
    KEYS[1] the routing base        {prefix:route}  (every key touched shares its hash tag)
    ARGV[1] 'always', or 'unless_taken' (the sweep's repairs: a task noted as taken is not queued again)
    ARGV[2] idle agents woken per capability, at most
    ARGV[3] how long a decision is kept (ms)
    ARGV[4] the command id the gives of tasks without a key of their own derive theirs from
    ARGV[5] how long a proposal counts against its agent's free slots while its fills do not name it (ms)
    then    the number of leaving agents, then per agent: command id, agent id, the reason of a loss (`heartbeat_expired`,
            `deregistered`) or '' (a drain),
            the number of its slots, its slots, the number of its capabilities, its capabilities
    then    the number of refusals, then three per refusal: agent id, task id, when the refused RESERVE was appended (ms)
    then    the number of releases, then two per release: group, task id
    then    the number of settles, then five per settle: command id, agent id, task id, outcome, '1' replayed or '0'
    then    the number of fills, then per fill: agent id, free slots, score units (routing score × 10,000),
            '1' when its slots may be transferred (breaker closed) or '0', the inbox entry whose state it asks from
            ('' for none), the number of its held slots (-1: not named) and its held slots, the number of its
            capabilities, its capabilities
    then    the number of tasks, then six per task: capability, group ('' for none), task id, priority, since (ms), the
            command id its give is kept under ('' for none)

  Output: {fill offers, wake offers, settles, leaving, gives}: the offers each a flat list agent id, task id, ... in the
  order the tasks were taken; the settles nine per settle, in order: 'transfer' or 'release', the slot, the
  successes before, then the task taken ('' for none), its capability, group, priority, since, then 1 when the slot
  was given straight (told by a GIVEN, which may reach the agent after this RELEASE; else 0); per leaving agent, the
  tasks holding its slots (a list), those given straight included; the gives a flat list agent id, task id, ASSIGN
  command id, tell (the name of the GIVEN that tells the agent: its first give's ASSIGN command id in this call, or the
  one kept with the decision), ...

  `agent-caps` (agent id -> its capabilities, JSON) is written by each fill with free slots and a closed breaker and
  removed by any other fill (a breaker refusing work, or half-open) and by a leaving agent.
]]
-- @include ready-queues
-- @include idle-agents
-- @include stream-ids
local base = KEYS[1]
local unless_taken = ARGV[1] == 'unless_taken'
local wake_agents = tonumber(ARGV[2])
local decision_ms = tonumber(ARGV[3])
local routing = ARGV[4]
local hold_ms = tonumber(ARGV[5])
local at = 6
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local next_arg = function()
  at = at + 1
  return ARGV[at - 1]
end

-- A decision kept under its command id: the one made before, or `decide()`'s, kept now.
local decided = function(cmd, decide)
  local key = base .. ':decided:' .. cmd
  local known = redis.call('GET', key)
  if known then return cjson.decode(known) end
  local made = decide()
  redis.call('SET', key, cjson.encode(made), 'PX', decision_ms)
  return made
end
local slots_of = function(agent) return base .. ':slots:' .. agent end
-- How many slots given straight (or released and not yet told so) and proposals the agent's `held` (a set) does not
-- name: on their way to it. Its
-- proposals it names (applied) are forgotten; so is either kind older than the hold that it does not name: a proposal
-- dropped (or refused, its refusal not routed yet), a given slot whose GIVEN was never appended (a crash between the routing call and its appends;
-- a slot marked '1', by an older script, has no time and waits for its RELEASE).
local on_the_way = function(record, held)
  local flat = redis.call('HGETALL', record)
  local count, forget = 0, {}
  for i = 1, #flat, 2 do
    local kind, slot, stamp = string.sub(flat[i], 1, 2), string.sub(flat[i], 3), tonumber(flat[i + 1])
    if (kind == 'v:' or kind == 'p:' or kind == 'x:') and not held[slot] then
      if stamp > 1 and now - stamp >= hold_ms then
        forget[#forget + 1] = flat[i]
        if kind == 'v:' then forget[#forget + 1] = 'l:' .. slot end
      else
        count = count + 1
      end
    elseif kind == 'p:' then
      forget[#forget + 1] = flat[i]
    end
  end
  if #forget > 0 then redis.call('HDEL', record, unpack(forget)) end
  return count
end

-- 0. Agents leaving work: no transfer to them from now on; their slots resolved to the tasks holding them.
local leaving = {}
for _ = 1, tonumber(next_arg()) do
  local cmd, agent, loss = next_arg(), next_arg(), next_arg()
  local lost = loss ~= ''
  local held = {}
  for i = 1, tonumber(next_arg()) do held[i] = next_arg() end
  local capabilities = {}
  for i = 1, tonumber(next_arg()) do capabilities[i] = next_arg() end
  leaving[#leaving + 1] = decided(cmd, function()
    local stored = redis.call('HGET', base .. ':agent-caps', agent)
    idle_mark(base, capabilities, agent, 0, 0)
    if stored then idle_mark(base, cjson.decode(stored), agent, 0, 0) end
    redis.call('HDEL', base .. ':agent-caps', agent)
    local record = slots_of(agent)
    redis.call('HDEL', record, 'fr')
    -- Its slots as it knows them, and those the router gave it (`v:<slot>`, in the order of its record) that it has not
    -- applied (or heard of) yet; each resolved to the task holding it now (`s:<slot>`). The record is read once.
    local known = {}
    for _, slot in ipairs(held) do known[slot] = true end
    local flat, fields = redis.call('HGETALL', record), {}
    for i = 1, #flat, 2 do
      fields[flat[i]] = flat[i + 1]
      local slot = string.sub(flat[i], 3)
      if string.sub(flat[i], 1, 2) == 'v:' and not known[slot] then held[#held + 1] = slot end
    end
    local holders = {}
    for i, slot in ipairs(held) do holders[i] = fields['s:' .. slot] or slot end
    if lost then
      -- Kept: each given slot it did not name, with the task holding it now (`s:`, `t:`), for that task's settle, and
      -- marked lost (`l:`, the reason): a slot given at a task's intake may name a task whose CREATE is not appended
      -- yet, which refuses the loss's command as a missing actor; its producer reads the mark once the CREATE is
      -- appended (intake-lost.lua). And the last fill's entry: a fill of a state before the loss, carried out late,
      -- stays stale.
      local kept, marks = { fe = true }, {}
      for i, slot in ipairs(held) do
        if not known[slot] then
          kept['v:' .. slot], kept['s:' .. slot], kept['t:' .. holders[i]], kept['l:' .. slot] = true, true, true, true
          marks[#marks + 1] = 'l:' .. slot
          marks[#marks + 1] = loss
        end
      end
      if #marks > 0 then redis.call('HSET', record, unpack(marks)) end
      local forget = {}
      for i = 1, #flat, 2 do
        if not kept[flat[i]] then forget[#forget + 1] = flat[i] end
      end
      if #forget > 0 then redis.call('HDEL', record, unpack(forget)) end
    end
    return holders
  end)
end

-- 0b. Proposals refused: no longer on their way to their agents (a newer proposal of the task, made after the refused
-- RESERVE was appended, is left: a refusal carried out again by a redelivery must not forget it).
for _ = 1, tonumber(next_arg()) do
  local agent, task, appended = next_arg(), next_arg(), tonumber(next_arg())
  local record = slots_of(agent)
  local stamp = tonumber(redis.call('HGET', record, 'p:' .. task))
  if stamp and stamp <= appended then redis.call('HDEL', record, 'p:' .. task) end
end

-- 1. Group slots released.
local slots = {}
for i = 1, tonumber(next_arg()) * 2 do slots[i] = next_arg() end
local reopened = group_release(base, slots)

-- 1b. Agents' slots released: transferred to a ready task, or given back to the agent (with its next task).
local NONE = { '', '', '', 0, 0 }
local settled = function(kind, slot, successes, taken, told)
  return { kind, slot, successes, taken[1], taken[2], taken[3], taken[4], taken[5], told and 1 or 0 }
end
local settles = {}
for _ = 1, tonumber(next_arg()) do
  local cmd, agent, task, outcome, replayed = next_arg(), next_arg(), next_arg(), next_arg(), next_arg() == '1'
  local record = slots_of(agent)
  local slot = redis.call('HGET', record, 't:' .. task) or task
  local settle = function()
    local known = (not replayed) and redis.call('HGET', base .. ':agent-caps', agent)
    local facts = {}
    if known then ready_take(base, cjson.decode(known), 1, facts) end
    local fact = facts[1]
    local taken = fact and { fact.id, fact.capability, fact.group, fact.priority, fact.since } or NONE
    redis.call('HDEL', record, 't:' .. task, 's:' .. slot, 'p:' .. slot)
    if fact and outcome == 'completed' then
      redis.call('HSET', record, 't:' .. fact.id, slot, 's:' .. slot, fact.id)
      redis.call('HINCRBY', record, 'ok', 1)
      return settled('transfer', slot, 0, taken, false)
    end
    local successes = replayed and 0 or tonumber(redis.call('HGET', record, 'ok') or '0')
    if successes > 0 then redis.call('HDEL', record, 'ok') end
    -- A slot given straight is marked `told`: its GIVEN may reach the agent after this RELEASE (two partitions'
    -- appends race), and the agent then frees the slot before it hears of it. Until that RELEASE is appended
    -- (`releasesAppended`), the agent may hold the slot without having heard of it: `x:<slot>` counts it on its way,
    -- so no fill counts it free before the RELEASE is ahead of any GIVEN the freed slot could bring.
    local told = redis.call('HDEL', record, 'v:' .. slot) == 1
    if told then
      redis.call('HDEL', record, 'l:' .. slot)
      redis.call('HSET', record, 'x:' .. slot, now)
    end
    -- Its next task is a proposal on its way (the RELEASE reserves it), counted as a RESERVE's is.
    if fact then redis.call('HSET', record, 'p:' .. fact.id, now) end
    return settled('release', slot, successes, taken, told)
  end
  local made = replayed and redis.call('EXISTS', base .. ':decided:' .. cmd) == 0 and settle() or decided(cmd, settle)
  for _, value in ipairs(made) do settles[#settles + 1] = value end
end

-- An agent with `free` slots takes what waits for `capabilities`; its offers go to `offers`. How many it took.
local fill = function(agent, capabilities, free, units, offers)
  if free <= 0 then
    idle_mark(base, capabilities, agent, 0, units)
    return 0
  end
  local taken = ready_take(base, capabilities, free)
  local proposed = {}
  for _, id in ipairs(taken) do
    offers[#offers + 1] = agent
    offers[#offers + 1] = id
    proposed[#proposed + 1] = 'p:' .. id
    proposed[#proposed + 1] = now
  end
  if #proposed > 0 then redis.call('HSET', slots_of(agent), unpack(proposed)) end
  idle_mark(base, capabilities, agent, free - #taken, units)
  return #taken
end

-- 2. Fills. One that names the agent's slots (`held`, -1: not named) counts its free slots less those on their way to it
-- (given straight or proposed, not applied yet); with transfers it keeps them exactly (`fr` in its record, less what it
-- takes): its wakes give them. A fill asked from an older state of the agent than the last one carried out (`fe`, its
-- inbox entry: a paused process carrying out a batch late, after a newer owner went on) is stale and does nothing:
-- its `held` misses the proposals applied since, whose markers newer fills removed.
-- (An id that is not a stream entry's, `<ms>-<seq>`, is never older: stream_id_older, stream-ids.lua.)
local fill_offers = {}
for _ = 1, tonumber(next_arg()) do
  local agent, free, units, transfers = next_arg(), tonumber(next_arg()), tonumber(next_arg()), next_arg() == '1'
  local entry = next_arg()
  local count = tonumber(next_arg())
  local held = nil
  if count >= 0 then
    held = {}
    for _ = 1, count do held[next_arg()] = true end
  end
  local capabilities = {}
  for c = 1, tonumber(next_arg()) do capabilities[c] = next_arg() end
  local record = slots_of(agent)
  local last = entry ~= '' and redis.call('HGET', record, 'fe')
  if not (last and stream_id_older(entry, last)) then
    if entry ~= '' then redis.call('HSET', record, 'fe', entry) end
    local exact = free > 0 and transfers and held ~= nil
    if free > 0 and transfers then
      redis.call('HSET', base .. ':agent-caps', agent, cjson.encode(capabilities))
    else
      redis.call('HDEL', base .. ':agent-caps', agent)
    end
    if free > 0 and held ~= nil then free = math.max(0, free - on_the_way(record, held)) end
    local taken = fill(agent, capabilities, free, units, fill_offers)
    if exact then
      redis.call('HSET', record, 'fr', free - taken)
    else
      redis.call('HDEL', record, 'fr')
    end
  end
end

-- 3. The batch's ready tasks queued; their capabilities are woken first, then the reopened ones.
local woken, wake = {}, {}
local to_wake = function(capability)
  if not woken[capability] then
    woken[capability] = true
    wake[#wake + 1] = capability
  end
end
-- A task of this batch given straight to an agent keeps that decision under its command id (`key`): a repeat gives it
-- again to the same agent (its ASSIGN deduplicated), and neither queues it nor wakes anyone for it.
-- Each give names its tell: this call's gives to one agent are told by one GIVEN, named after the first of them; a kept
-- decision keeps its tell with the agent ('<agent> <tell>'), so a repeat tells it under the same name.
local gives, keys_of, tells = {}, {}, {}
local give = function(agent, id)
  local key = keys_of[id]
  local cmd = key and (key .. '/w') or (routing .. '/w/' .. id)
  tells[agent] = tells[agent] or cmd
  if key then redis.call('SET', base .. ':decided:' .. key, agent .. ' ' .. tells[agent], 'PX', decision_ms) end
  gives[#gives + 1] = agent
  gives[#gives + 1] = id
  gives[#gives + 1] = cmd
  gives[#gives + 1] = tells[agent]
end
for _ = 1, tonumber(next_arg()) do
  local capability, group, id, priority, since, key =
    next_arg(), next_arg(), next_arg(), tonumber(next_arg()), tonumber(next_arg()), next_arg()
  local kept = key ~= '' and redis.call('GET', base .. ':decided:' .. key)
  if kept then
    local agent, tell = string.match(kept, '^(%S+) (.+)$')
    gives[#gives + 1] = agent or kept
    gives[#gives + 1] = id
    gives[#gives + 1] = key .. '/w'
    -- (a decision kept without its tell, by an older script: told on its own)
    gives[#gives + 1] = tell or (key .. '/w')
  else
    if key ~= '' then keys_of[id] = key end
    ready_enqueue(base, capability, group, id, priority, since, unless_taken)
    to_wake(capability)
  end
end
for _, capability in ipairs(reopened) do to_wake(capability) end

-- 4. Idle agents woken. With nothing waiting, the first would take nothing and be marked idle as it was: skipped.
-- An agent that takes transfers and whose free slots are kept exactly (`fr`) is given its tasks straight (`v:<task>`
-- in its record; ASSIGN to each, GIVEN to it); any other is proposed them (RESERVE).
local wake_offers = {}
for _, capability in ipairs(wake) do
  if redis.call('EXISTS', base .. ':q:' .. capability) == 1 then
    for _ = 1, wake_agents do
      local agent, free, units = idle_pop(base, capability)
      if agent == nil then break end
      local known = redis.call('HGET', base .. ':agent-caps', agent)
      local record = slots_of(agent)
      local exact = known and redis.call('HGET', record, 'fr')
      if exact then
        local left = tonumber(exact)
        local taken = left > 0 and ready_take(base, { capability }, left) or {}
        for _, id in ipairs(taken) do
          redis.call('HSET', record, 'v:' .. id, now)
          give(agent, id)
        end
        redis.call('HSET', record, 'fr', left - #taken)
        idle_mark(base, cjson.decode(known), agent, left - #taken, units)
        if #taken < left then break end
      elseif fill(agent, { capability }, free, units, wake_offers) < free then
        break
      end
    end
  end
end
return { fill_offers, wake_offers, settles, leaving, gives }
