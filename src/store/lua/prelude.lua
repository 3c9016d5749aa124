--[[
  Helpers prepended to every script by the loader (store/scripts.ts).
  Time is Redis's own clock (TIME), so app instances with skewed clocks agree on every expiry.
]]
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

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
  redis.call('DEL', familyPrefix .. familyId, familyPrefix .. familyId .. ':x')
end

-- Ends the refresh family a session was minted by, if any (logout, revoke, eviction).
local function endFamilyOf(sessionKey, familyPrefix)
  local familyId = redis.call('HGET', sessionKey, 'f')
  if familyId then endFamily(familyPrefix, familyId) end
end
