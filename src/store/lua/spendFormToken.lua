--[[
  Spends a one-time form token, atomically: of two submissions of the same form, exactly one
  sees it fresh. The token is spent for one action (a form's path and target), so another form
  of the same page, sent after it, is told to reload rather than that it was already done.
  KEYS[1] form token key
  ARGV[1] what the token is bound to (the session's local id)
  ARGV[2] the action the form asks for
  Returns 1 when the token was fresh and is now spent, 2 when it was already spent for this
  action, 0 when it is unknown, expired, bound to something else or spent for another action.
]]
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local spentHere = 'spent:' .. ARGV[1] .. '|' .. ARGV[2]
if value == spentHere then return 2 end
if value ~= 'fresh:' .. ARGV[1] then return 0 end
redis.call('SET', KEYS[1], spentHere, 'KEEPTTL')
return 1
