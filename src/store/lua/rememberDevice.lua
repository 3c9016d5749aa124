--[[
  Notes that a device signed in as the user, keeping only the most recent ones.
  KEYS[1] the user's known devices (sorted set)
  ARGV[1] the device's digest   ARGV[2] how many devices to keep   ARGV[3] how long the set outlives this login (ms)
  Returns 1 when the device was not known, 0 when it was.
]]
local added = redis.call('ZADD', KEYS[1], nowMs(), ARGV[1])
-- Lowest score = the device whose last login is oldest.
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return added
