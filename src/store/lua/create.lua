--[[
  Creates a session and enforces the device and count limits in the same atomic step, so any
  number of concurrent logins never leaves more live sessions than the limits allow.
  KEYS[1] user hash (the session index with it)   KEYS[2] the user's session index as kept before
  (adopted into the user hash)   KEYS[3] new session hash
  ARGV[1] user id   ARGV[2] local session id   ARGV[3] SHA-256 of the token's secret (first 16 bytes)
  ARGV[4] idle timeout (ms)   ARGV[5] absolute lifetime (ms)   ARGV[6] max sessions (0: unlimited)
  ARGV[7] device type ('' when none)   ARGV[8] '1' to end the user's previous session of that type
  ARGV[9] prefix of the user's session keys   ARGV[10] prefix of the user's refresh families
  ARGV[11] id of the refresh family to start ('' for a session that is not remembered)
  ARGV[12] its refresh token's hash   ARGV[13] refresh idle timeout (ms)   ARGV[14] refresh absolute lifetime (ms)
  ARGV[15] prefix of the user's agents   ARGV[16..] metadata as field, value pairs, with the
  lifetimes of the login's kind (SESSION.idleTimeout, SESSION.absoluteLifetime, in ms) when shorter
  than the global ones
  Returns {'created', session, endedLocalId, ...} with session the envelope of sessionReply
  (prelude.lua), or {'banned', bannedUntil} when the user is banned ('inf' for a ban without end).
]]
local now = nowMs()
-- The user hash exists since its tag was claimed; if it was lost since, its generation restarts
-- from the clock, so sessions made under the lost one never match it again.
redis.call('HSETNX', KEYS[1], 'g', now)
redis.call('HSETNX', KEYS[1], 'u', ARGV[1])
-- Checked here, in the step that writes the session, so no login can slip past a ban being set.
local banned = redis.call('HGET', KEYS[1], 'b')
if banned and (banned == 'inf' or tonumber(banned) > now) then return {'banned', banned} end
local generation = redis.call('HGET', KEYS[1], 'g')

-- Drop index entries of sessions that are gone: idle ones by their time, and any whose key expired
-- (absolute lifetime) or was deleted, so they never count against the limit.
adoptIndex(KEYS[1], KEYS[2])
local seen, count = liveIndex(KEYS[1], now, tonumber(ARGV[4]), ARGV[9])
for localId in pairs(seen) do
  if redis.call('EXISTS', ARGV[9] .. localId) == 0 then
    redis.call('HDEL', KEYS[1], SEEN .. localId)
    seen[localId] = nil
    count = count - 1
  end
end

local ended = {}
local function endLocal(localId)
  endFamilyOf(ARGV[9] .. localId, ARGV[10])
  endSession(ARGV[9] .. localId, KEYS[1], localId)
  seen[localId] = nil
  count = count - 1
  ended[#ended + 1] = localId
end

if ARGV[7] ~= '' and ARGV[8] == '1' then
  local field = 'd:' .. ARGV[7]
  local previous = redis.call('HGET', KEYS[1], field)
  if previous and seen[previous] then endLocal(previous) end
  redis.call('HSET', KEYS[1], field, ARGV[2])
end

local max = tonumber(ARGV[6])
if max > 0 and count - max + 1 > 0 then
  -- The least recently seen go first (ties by id).
  local order = {}
  for localId, at in pairs(seen) do order[#order + 1] = {id = localId, at = at} end
  table.sort(order, function(a, b) return a.at < b.at or (a.at == b.at and a.id < b.id) end)
  for i = 1, count - max + 1 do endLocal(order[i].id) end
end

local fields = {}
for i = 16, #ARGV, 2 do fields[ARGV[i]] = ARGV[i + 1] end
-- A login proves the password: the session's sign-in time, which sliding never moves.
fields[SESSION.authenticatedAt] = now
local lifetime = {[SESSION.created] = now, [SESSION.idleTimeout] = fields[SESSION.idleTimeout],
  [SESSION.absoluteLifetime] = fields[SESSION.absoluteLifetime]}
local absolute = absoluteEnd(lifetime, tonumber(ARGV[5]))
local expires = idleEnd(now, idleOf(lifetime, tonumber(ARGV[4])), absolute)
if ARGV[11] ~= '' then
  fields[SESSION.family] = ARGV[11]
  -- The family keeps the device, the DPoP key, the sign-in time and the lifetimes, so the sessions it mints later carry them too.
  local family = {'h', ARGV[12], 's', ARGV[2], 'g', generation, 'c', now}
  for _, name in ipairs({SESSION.deviceType, SESSION.deviceName, SESSION.boundKey}) do
    if fields[name] then
      family[#family + 1] = name
      family[#family + 1] = fields[name]
    end
  end
  for name, carried in pairs(FAMILY_CARRIES) do
    if fields[name] then
      family[#family + 1] = carried
      family[#family + 1] = fields[name]
    end
  end
  local familyKey = ARGV[10] .. ARGV[11]
  redis.call('HSET', familyKey, unpack(family))
  redis.call('PEXPIREAT', familyKey, math.min(now + tonumber(ARGV[13]), now + tonumber(ARGV[14])))
end
local session = writeSession(KEYS[3], KEYS[1], ARGV[2], ARGV[3], generation, now, expires, fields, ARGV[15])

local reply = {'created', sessionReply(ARGV[2], session, now, expires, absolute, {family = ARGV[10], agent = ARGV[15]}, true)}
for _, localId in ipairs(ended) do reply[#reply + 1] = localId end
return reply
