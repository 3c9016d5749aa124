--[[
  Takes a user off the set of admins unless that would leave none: checked and done in one step,
  so two admins demoting each other at once cannot both succeed.
  KEYS[1] the set of admin user ids
  ARGV[1] user id
  Returns 1 when the user is not (or no longer) an admin, 0 when they are the last one.
]]
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 1 end
if redis.call('SCARD', KEYS[1]) <= 1 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
return 1
