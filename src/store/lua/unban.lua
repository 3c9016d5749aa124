--[[
  Lifts a ban: its end and its details go together.
  KEYS[1] user hash
  Returns 1 when a ban was in force (on Redis's clock), else 0.
]]
local ban = redis.call('HGET', KEYS[1], 'b')
redis.call('HDEL', KEYS[1], 'b', 'bd')
if ban and (ban == 'inf' or tonumber(ban) > nowMs()) then return 1 end
return 0
