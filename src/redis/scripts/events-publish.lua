--[[
  Append several entries to one stream (the event stream, or an edge's reply stream), trimming it to
  about a given length, and (a reply stream) setting it to expire: what one batch publishes, in one
  command. The stream's name and the trim arguments are sent once per batch, not once per entry (about
  60 bytes less per event than an XADD each).

  Input:
    KEYS[1] stream                          {prefix:ev} or {prefix:ev}:reply:<edge>
    ARGV[1] MAXLEN ~ (about how many entries to keep)
    ARGV[2] TTL (ms) set on the stream after the entries are added (PEXPIRE); 0: none (the event
            stream's: one it has is left as it is)
    ARGV[3..] per entry: n (how many fields), then its n field/value pairs

  Output: the new entries' ids, in order.
]]
local ids = {}
local i = 3
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local command = {"XADD", KEYS[1], "MAXLEN", "~", ARGV[1], "*"}
  for j = i + 1, i + 2 * n do
    command[#command + 1] = ARGV[j]
  end
  ids[#ids + 1] = redis.call(unpack(command))
  i = i + 1 + 2 * n
end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call("PEXPIRE", KEYS[1], ttl)
end
return ids
