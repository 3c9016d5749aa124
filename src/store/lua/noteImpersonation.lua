--[[
  Notes an impersonation session an admin started, so that admin's logout everywhere or ban can
  end it; entries past their end are dropped on the way, and the set lives as long as its last.
  KEYS[1] the admin's impersonation sessions (sorted set)
  ARGV[1] the session's public id   ARGV[2] when it ends at the latest (ms)
  Returns the number of sessions noted.
]]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs())
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
extendTo(KEYS[1], tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
