--[[
  Spends a one-time form token, atomically: of two submissions of the same form, exactly one
  sees it fresh.
  KEYS[1] form token key
  ARGV[1] what the token is bound to (the session's local id, or "-" for a signed-out form)
  Returns 1 when the token was fresh and is now spent, 2 when it was already spent,
  0 when it is unknown, expired or bound to something else.
]]
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
if value == 'spent:' .. ARGV[1] then return 2 end
if value ~= 'fresh:' .. ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'spent:' .. ARGV[1], 'KEEPTTL')
return 1
