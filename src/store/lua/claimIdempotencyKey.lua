--[[
  Claims an Idempotency-Key for a request, or answers what the key holds (SET NX GET), keeping no
  more than a cap of keys per caller: the caller's index, in the same slot, names every key kept,
  scored by when it expires at the latest. Past the cap the oldest keys go (a retry with one of
  them acts again, as it would without a key), so a caller minting fresh keys churns only their own.
  KEYS[1] the key   KEYS[2] the caller's index of keys
  ARGV[1] what to write (a lease, or an anonymous caller's answer)   ARGV[2] its lifetime (ms)
  ARGV[3] the longest any key of the caller lives (ms)   ARGV[4] the cap
  Returns what the key held (then nothing is written), or false when the key is now this request's.
]]
local previous = redis.call('GET', KEYS[1])
if previous then return previous end
local now = nowMs()
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4]) + 1
if over > 0 then
  for _, oldest in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do redis.call('DEL', oldest) end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), KEYS[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return false
