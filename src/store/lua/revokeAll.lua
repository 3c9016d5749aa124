--[[
  Ends every session of a user, or all but one, touching no session but the kept one: it bumps the
  user's generation (the "login stamp"), which touch compares on every request, and drops the
  index entries. Refresh families carry the generation too, so they end with it; the kept session's family
  is stamped anew and lives on. Ended session hashes are deleted by the next touch that presents them, or expire by
  their own TTL: within the idle timeout, or the refresh idle timeout for a bound session that took
  over a remembered login (its browser key with it). A family superseded by such a binding stays,
  dead by its generation, until its own end, so a copy of its tokens is still told apart as reuse.
  KEYS[1] user hash (the session index with it)   KEYS[2] the user's session index as kept before
  (adopted)   KEYS[3] session hash to keep (any key of the user's slot when none)
  ARGV[1] local id of the session to keep ('' when none)   ARGV[2] idle timeout (ms)
  ARGV[3] prefix of the user's refresh families   ARGV[4] prefix of the user's session keys
  ARGV[5..] field, value pairs to set on the user hash in the same step (a new password hash)
  Returns the number of live sessions ended, or -1 (and changes nothing) when the session to keep
  is no longer live.
]]
local now = nowMs()
adoptIndex(KEYS[1], KEYS[2])
local seen, live = liveIndex(KEYS[1], now, tonumber(ARGV[2]), ARGV[4])

local keepSeen = false
if ARGV[1] ~= '' then
  keepSeen = seen[ARGV[1]]
  -- The session asking to stay has ended meanwhile: change nothing (no password set from a dead session).
  if not keepSeen or redis.call('HGET', KEYS[3], 'g') ~= redis.call('HGET', KEYS[1], 'g') then return -1 end
end

-- A user hash lost by accident is recreated with a fresh generation, so a ban still lands.
redis.call('HSETNX', KEYS[1], 'g', now)
local generation = redis.call('HINCRBY', KEYS[1], 'g', 1)
if #ARGV > 4 then redis.call('HSET', KEYS[1], unpack(ARGV, 5)) end
for localId in pairs(seen) do
  if localId ~= ARGV[1] then redis.call('HDEL', KEYS[1], SEEN .. localId) end
end
if keepSeen then
  redis.call('HSET', KEYS[3], 'g', generation)
  local familyId = redis.call('HGET', KEYS[3], 'f')
  if familyId and redis.call('EXISTS', ARGV[3] .. familyId) == 1 then
    redis.call('HSET', ARGV[3] .. familyId, 'g', generation)
  end
  live = live - 1
end
return live
