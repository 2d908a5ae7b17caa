--[[
  Included by route-batch.lua and inbox-backlog.lua (-- @include stream-ids), not a script of its own: the order
  of stream entry ids, `<ms>-<seq>`, compared as numbers (as strings, 9-0 would come after 10-0).

  stream_id_older(a, b): true when `a` is an entry id older than `b`; false when it is not, or when either is not an
    entry id.
]]
local function stream_id_older(a, b)
  local a_ms, a_seq = string.match(a, '^(%d+)-(%d+)$')
  local b_ms, b_seq = string.match(b, '^(%d+)-(%d+)$')
  if not (a_ms and b_ms) then return false end
  a_ms, b_ms = tonumber(a_ms), tonumber(b_ms)
  return a_ms < b_ms or (a_ms == b_ms and tonumber(a_seq) < tonumber(b_seq))
end
