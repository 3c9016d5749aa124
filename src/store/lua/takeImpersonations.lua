--[[
  Takes the impersonation sessions an admin started that may still be live, and forgets them all.
  KEYS[1] the admin's impersonation sessions (sorted set)
  Returns their public ids.
]]
local live = redis.call('ZRANGE', KEYS[1], nowMs(), '+inf', 'BYSCORE')
redis.call('DEL', KEYS[1])
return live
