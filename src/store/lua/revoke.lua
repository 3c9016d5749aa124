--[[
  Ends one session.
  KEYS[1] session hash   KEYS[2] user's session index
  ARGV[1] local session id
  Returns 1 when a live session was ended, 0 when there was none.
]]
local indexed = redis.call('ZREM', KEYS[2], ARGV[1])
local deleted = redis.call('DEL', KEYS[1])
-- A session hash outlives its index entry only after revoke-all, when it is already dead.
if indexed == 1 and deleted == 1 then return 1 end
return 0
