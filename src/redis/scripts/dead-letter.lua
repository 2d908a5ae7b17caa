--[[
  Move an inbox entry to the partition's dead-letter stream: XADD the dead letter, then XACK
  and XDEL the original, in one step.

  Input:
    KEYS[1] inbox stream        {prefix:p}:in
    KEYS[2] dead-letter stream  {prefix:p}:dead

    ARGV[1] consumer group
    ARGV[2] inbox entry id
    ARGV[3] reason

  Output:
    the dead-letter entry id, or -3 (EntryNotFound) when the entry is no longer in the inbox
    (it is still acknowledged, so it leaves the pending list).

  Dead-letter fields: see dead-letter-move.lua.
]]
-- @include dead-letter-move
return dead_letter(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
