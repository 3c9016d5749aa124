--[[
  The ban in force on a user, judged on Redis's clock like the login that checks it (create.lua).
  KEYS[1] user hash
  Returns {until (ms, or 'inf'), details (JSON, '' when none)} while a ban is in force, else false.
]]
local ban = redis.call('HMGET', KEYS[1], 'b', 'bd')
if not ban[1] or (ban[1] ~= 'inf' and tonumber(ban[1]) <= nowMs()) then return false end
return {ban[1], ban[2] or ''}
