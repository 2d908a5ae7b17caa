--[[
  Move inbox entries (a batch's dead letters, or the one entry a failing batch was narrowed down to) to
  the partition's dead-letter stream in one step, in the order given: for each, XADD the dead letter, then
  XACK and XDEL the original (dead-letter-move.lua).

  Input:
    KEYS[1] inbox stream        {prefix:p}:in
    KEYS[2] dead-letter stream  {prefix:p}:dead

    ARGV[1] consumer group
    ARGV[2..] pairs: inbox entry id, reason

  Output:
    per entry, in order: the dead-letter entry id, or -3 (EntryNotFound: no longer in the inbox,
    acknowledged all the same).
]]
-- @include dead-letter-move
local out = {}
for i = 2, #ARGV, 2 do
  out[#out + 1] = dead_letter(KEYS[1], KEYS[2], ARGV[1], ARGV[i], ARGV[i + 1])
end
return out
