--[[
  Records that a live session is now used from another address, once: of requests racing from
  the new address, only the first finds the old one still there.
  KEYS[1] session hash
  ARGV[1] the address field   ARGV[2] the address the request saw stored   ARGV[3] the request's address
  Returns 1 when the address changed, 0 when the session is gone or another request moved it.
]]
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
