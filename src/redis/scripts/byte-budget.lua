--[[
  Take bytes from a byte budget shared by every edge process: a token bucket refilled at `rate`
  bytes a second up to `burst`; an absent budget is full (it expires a minute after it would have refilled).

  Input:
    KEYS[1] the budget's hash {tokens, at}    <prefix>:rl:<scope>:<subject>

    ARGV[1] bytes already let through by the caller: taken whatever is left (the balance may go below 0)
    ARGV[2] bytes asking to go through now: taken only when that many are left (0: nothing asked)
    ARGV[3] rate (bytes a second)
    ARGV[4] burst (bytes)
    ARGV[5] now (ms since the epoch, the caller's clock; a clock behind the stored time refills nothing)

  Output:
    1 when the asked bytes were taken (or none were asked), 0 when they were not.
]]
local rate = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local now = tonumber(ARGV[5])
local stored = redis.call("HMGET", KEYS[1], "tokens", "at")
local tokens = tonumber(stored[1]) or burst
local at = tonumber(stored[2]) or now
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  at = now
end
tokens = tokens - tonumber(ARGV[1])
local asked = tonumber(ARGV[2])
local taken = 1
if asked > 0 then
  if tokens >= asked then
    tokens = tokens - asked
  else
    taken = 0
  end
end
redis.call("HSET", KEYS[1], "tokens", string.format("%.3f", tokens), "at", string.format("%d", at))
-- Kept a minute past the time it refills (an absent budget is a full one): a generous margin for clocks.
redis.call("PEXPIRE", KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 60000)
return taken
