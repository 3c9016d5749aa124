--[[
  Ends one session.
  KEYS[1] session hash   KEYS[2] user's session index
  ARGV[1] local session id
  Returns 1 when a live session was ended, 0 when there was none.
]]
local expires = redis.call('ZSCORE', KEYS[2], ARGV[1])
endSession(KEYS[1], KEYS[2], ARGV[1])
if expires and tonumber(expires) > nowMs() then return 1 end
return 0
