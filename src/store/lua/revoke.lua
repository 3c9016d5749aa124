--[[
  Ends one session, the browser key bound to it (DBSC), and the refresh family it was minted by: logging out of a remembered
  session forgets it.
  KEYS[1] session hash   KEYS[2] user hash (the session index with it)   KEYS[3] the user's session
  index as kept before
  ARGV[1] local session id   ARGV[2] prefix of the user's refresh families
  Returns 1 when a live session was ended, 0 when there was none.
]]
endFamilyOf(KEYS[1], ARGV[2])
local indexed = redis.call('HDEL', KEYS[2], SEEN .. ARGV[1]) + redis.call('ZREM', KEYS[3], ARGV[1])
local deleted = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[1] .. DEVICE_KEY_SUFFIX)
-- A session hash outlives its index entry only after revoke-all, when it is already dead.
if indexed >= 1 and deleted == 1 then return 1 end
return 0
