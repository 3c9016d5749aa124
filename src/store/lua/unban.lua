--[[
  Lifts a ban.
  KEYS[1] user hash
  Returns the ban that was stored (its end in ms, or "inf"), or false when there was none.
]]
local ban = redis.call('HGET', KEYS[1], 'b')
redis.call('HDEL', KEYS[1], 'b')
return ban
