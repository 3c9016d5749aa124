--[[
  Makes a spent form token fresh again, because the action it was spent for failed (the store
  faltered half-way), so sending the same form again can still act.
  KEYS[1] form token key
  ARGV[1] what the token is bound to   ARGV[2] the action it was spent for (as for spendFormToken)
  Returns 1 when the token is fresh again, 0 when it was not spent for that action (or is gone).
]]
if redis.call('GET', KEYS[1]) ~= 'spent:' .. ARGV[1] .. '|' .. ARGV[2] then return 0 end
redis.call('SET', KEYS[1], 'fresh:' .. ARGV[1], 'KEEPTTL')
return 1
