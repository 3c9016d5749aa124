--[[
  Records that the password was proven again on a live session: its sign-in time (and its refresh
  family's, so the sessions the family mints later keep it) becomes now. Sliding never does this.
  KEYS[1] session hash
  ARGV[1] prefix of the user's refresh families
  Returns the new sign-in time (ms), or 0 when the session is gone.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local now = nowMs()
redis.call('HSET', KEYS[1], SESSION.authenticatedAt, now)
local familyId = redis.call('HGET', KEYS[1], SESSION.family)
if familyId and redis.call('EXISTS', ARGV[1] .. familyId) == 1 then
  redis.call('HSET', ARGV[1] .. familyId, FAMILY_CARRIES[SESSION.authenticatedAt], now)
end
return now
