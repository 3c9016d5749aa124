--[[
  Helpers prepended to every script by the loader (store/scripts.ts).
  Time is Redis's own clock (TIME), so app instances with skewed clocks agree on every expiry.
]]
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The fields of a session hash: the same letters as SESSION_FIELD in store/fields.ts (a test holds
-- the two equal). Attributes are `x:<name>` fields beside them.
local SESSION = {secretHash = 'h', generation = 'g', created = 'c', family = 'f', absoluteEnd = 'e',
  deviceType = 't', deviceName = 'n', ip = 'i', userAgent = 'u'}
-- Never leave a script: a reply carries neither.
local HIDDEN = {[SESSION.secretHash] = true, [SESSION.generation] = true}
-- Suffix of a refresh family's set of spent refresh hashes (KeySpace spentRefreshes, asserted equal).
local SPENT_SUFFIX = ':x'

local function endSession(sessionKey, indexKey, localId)
  redis.call('DEL', sessionKey)
  redis.call('ZREM', indexKey, localId)
end

-- Moves a key's expiry to atMs unless it already lives longer.
local function extendTo(key, atMs)
  if redis.call('PEXPIRETIME', key) < atMs then
    redis.call('PEXPIREAT', key, atMs)
  end
end

-- Ends a refresh family: its hash and its set of spent refresh hashes.
local function endFamily(familyPrefix, familyId)
  redis.call('DEL', familyPrefix .. familyId, familyPrefix .. familyId .. SPENT_SUFFIX)
end

-- Ends the refresh family a session was minted by, if any (logout, revoke, eviction).
local function endFamilyOf(sessionKey, familyPrefix)
  local familyId = redis.call('HGET', sessionKey, SESSION.family)
  if familyId then endFamily(familyPrefix, familyId) end
end

-- A session hash as a table, field -> value; nil when there is none.
local function readSession(key)
  local raw = redis.call('HGETALL', key)
  if #raw == 0 then return nil end
  local session = {}
  for i = 1, #raw, 2 do session[raw[i]] = raw[i + 1] end
  return session
end

-- When a session ends however active it is: its creation plus today's absolute lifetime (so
-- shortening it applies to existing sessions too), never past the end it was minted with (a
-- session a refresh minted dies with its family).
local function absoluteEnd(session, absoluteMs)
  local absolute = tonumber(session[SESSION.created]) + absoluteMs
  local capped = session[SESSION.absoluteEnd]
  if capped then return math.min(absolute, tonumber(capped)) end
  return absolute
end

-- When a session last seen at seenMs ends if unused.
local function idleEnd(seenMs, idleMs, absolute)
  return math.min(seenMs + idleMs, absolute)
end

--[[
  The one session write, for create and refresh: the hash (secret hash, generation, creation and
  `fields`, a table field -> value whose empty values are left out), its expiry and its index entry.
  Returns the session as a table, as readSession would.
]]
local function writeSession(key, indexKey, localId, secretHash, generation, now, expires, fields)
  local session = {[SESSION.secretHash] = secretHash, [SESSION.generation] = generation, [SESSION.created] = now}
  local record = {SESSION.secretHash, secretHash, SESSION.generation, generation, SESSION.created, now}
  for name, value in pairs(fields) do
    if value ~= '' then
      session[name] = value
      record[#record + 1] = name
      record[#record + 1] = value
    end
  end
  redis.call('HSET', key, unpack(record))
  redis.call('PEXPIREAT', key, expires)
  redis.call('ZADD', indexKey, now, localId)
  extendTo(indexKey, expires)
  return session
end

--[[
  The one reply envelope of a session, the same from touch, list, create and refresh (decoded by
  store/sessionRecord.ts): {localId, lastSeenMs, expiresAtMs, absoluteExpiresAtMs,
  rememberedUntilMs (0: not remembered), {field, value, ...}}, the fields without the secret hash
  and generation, and without attributes unless withAttributes.
]]
local function sessionReply(localId, session, lastSeen, expires, absolute, familyPrefix, withAttributes)
  local shown = {}
  for name, value in pairs(session) do
    if not HIDDEN[name] and (withAttributes or string.sub(name, 1, 2) ~= 'x:') then
      shown[#shown + 1] = name
      shown[#shown + 1] = value
    end
  end
  local remembered = 0
  local familyId = session[SESSION.family]
  if familyId then remembered = math.max(0, redis.call('PEXPIRETIME', familyPrefix .. familyId)) end
  return {localId, lastSeen, expires, absolute, remembered, shown}
end
