--[[
  Claims a routing tag for a user, so two users can never share one user hash.
  KEYS[1] the tag's user hash
  ARGV[1] user id
  Returns 1 when the tag is the user's, 0 when another user holds it.
]]
if redis.call('HSETNX', KEYS[1], 'u', ARGV[1]) == 1 then
  -- A fresh tag has no sessions yet, so the smallest generation will do (1 byte in every session).
  redis.call('HSETNX', KEYS[1], 'g', 0)
  return 1
end
if redis.call('HGET', KEYS[1], 'u') == ARGV[1] then return 1 end
return 0
