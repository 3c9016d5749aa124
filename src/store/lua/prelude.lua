--[[
  Helpers prepended to every script by the loader (store/scripts.ts); writers.lua follows them in
  every script but the token check (touch.lua).
  Time is Redis's own clock (TIME), so app instances with skewed clocks agree on every expiry.
]]
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The fields of a session hash: the same letters as SESSION_FIELD in store/fields.ts (a test holds
-- the two equal). Attributes are fields beside them, named ATTRIBUTE_PREFIX .. name (ATTRIBUTE_PREFIX
-- in fields.ts, held equal too).
local ATTRIBUTE_PREFIX = 'x:'
local SESSION = {secretHash = 'h', generation = 'g', created = 'c', family = 'f', absoluteEnd = 'e',
  deviceType = 't', deviceName = 'n', ip = 'i', userAgent = 'u', packedUserAgent = 'w', agent = 'a', boundKey = 'k', authenticatedAt = 'p',
  idleTimeout = 'li', absoluteLifetime = 'la', actorId = 'ai', actorName = 'an', deviceBoundUntil = 'b', rememberedIdle = 'r'}
-- Never leave a script: a reply carries neither.
local HIDDEN = {[SESSION.secretHash] = true, [SESSION.generation] = true}
-- Suffix of a refresh family's set of spent refresh hashes (KeySpace spentRefreshes, asserted equal).
local SPENT_SUFFIX = ':x'
-- Field of a refresh family a browser key binding superseded (bindDevice.lua): when, in ms. Such a
-- family refreshes nothing; it is kept only to take any of its tokens presented again for a copy.
local FAMILY_SUPERSEDED = 'sb'
-- Suffix of the key beside a session that holds its browser's public key (KeySpace deviceKey, asserted equal).
local DEVICE_KEY_SUFFIX = ':k'

--[[
  A user's session index: fields of the user hash, SEEN .. local id -> when the session was last
  seen (ms). It orders sessions for eviction and dates them; in the user hash it costs no key.
]]
local SEEN = 's:'

-- Moves a session index kept as before (a sorted set of its own, scored alike) into the user hash,
-- once; true when there was one.
local function adoptIndex(userKey, indexKey)
  local legacy = redis.call('ZRANGE', indexKey, 0, -1, 'WITHSCORES')
  if #legacy == 0 then return false end
  for i = 1, #legacy, 2 do redis.call('HSET', userKey, SEEN .. legacy[i], legacy[i + 1]) end
  redis.call('DEL', indexKey)
  return true
end

-- The user's indexed sessions as {localId = last seen ms}, and how many, after dropping the
-- entries of sessions idle for idleMs or more. An entry past idleMs is first asked whether its
-- session lives by a longer idle timeout (a browser-bound session that took over its remembered
-- login: SESSION.rememberedIdle), so only such entries cost a read, and only while they are idle.
local function liveIndex(userKey, now, idleMs, sessionPrefix)
  local seen, count = {}, 0
  local raw = redis.call('HGETALL', userKey)
  for i = 1, #raw, 2 do
    if string.sub(raw[i], 1, #SEEN) == SEEN then
      local localId = string.sub(raw[i], #SEEN + 1)
      local at = tonumber(raw[i + 1])
      local idle = idleMs
      if now - at >= idle then idle = tonumber(redis.call('HGET', sessionPrefix .. localId, SESSION.rememberedIdle) or idleMs) end
      if now - at >= idle then
        redis.call('HDEL', userKey, raw[i])
      else
        seen[localId] = at
        count = count + 1
      end
    end
  end
  return seen, count
end

local function endSession(sessionKey, userKey, localId)
  redis.call('DEL', sessionKey, sessionKey .. DEVICE_KEY_SUFFIX)
  redis.call('HDEL', userKey, SEEN .. localId)
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
-- shortening it applies to existing sessions too) or its kind's when shorter, never past the end
-- it was minted with (a session a refresh minted dies with its family).
local function absoluteEnd(session, absoluteMs)
  -- A browser-bound session that took over its remembered login ends when that login would have.
  if session[SESSION.rememberedIdle] then return tonumber(session[SESSION.absoluteEnd]) end
  local own = session[SESSION.absoluteLifetime]
  if own then absoluteMs = math.min(absoluteMs, tonumber(own)) end
  local absolute = tonumber(session[SESSION.created]) + absoluteMs
  local capped = session[SESSION.absoluteEnd]
  if capped then return math.min(absolute, tonumber(capped)) end
  return absolute
end

-- A session's idle timeout: today's global one, or its kind's when shorter.
local function idleOf(session, idleMs)
  -- Likewise it may stay unused as long as the login's refresh token could (REFRESH_IDLE_TIMEOUT).
  local remembered = session[SESSION.rememberedIdle]
  if remembered then return tonumber(remembered) end
  local own = session[SESSION.idleTimeout]
  if own then return math.min(idleMs, tonumber(own)) end
  return idleMs
end

-- When a session last seen at seenMs ends if unused.
local function idleEnd(seenMs, idleMs, absolute)
  return math.min(seenMs + idleMs, absolute)
end

-- A slide of a session's expiry: its hash, its browser key when bound to one (so after revoke-all
-- the key goes with the hash, not at the session's absolute end), and the user agent it shares (GT:
-- another session may keep it longer).
local function slideSession(key, session, expires, agentPrefix)
  redis.call('PEXPIREAT', key, expires)
  if session[SESSION.deviceBoundUntil] then redis.call('PEXPIREAT', key .. DEVICE_KEY_SUFFIX, expires) end
  local ref = session[SESSION.agent]
  if ref then redis.call('PEXPIREAT', agentPrefix .. ref, expires, 'GT') end
end

--[[
  The one reply envelope of a session, the same from touch, list, create and refresh (decoded by
  store/sessionRecord.ts): {localId, lastSeenMs, expiresAtMs, absoluteExpiresAtMs,
  rememberedUntilMs (0: not remembered), {field, value, ...}}, the fields without the secret hash
  and generation, the user agent itself in place of its hash, and attributes only if withAttributes.
  prefixes: {family = prefix of the user's refresh families, agent = of the user's agents}.
]]
local function sessionReply(localId, session, lastSeen, expires, absolute, prefixes, withAttributes)
  local shown = {}
  for name, value in pairs(session) do
    if name == SESSION.agent then
      local agent = redis.call('GET', prefixes.agent .. value)
      if agent then
        shown[#shown + 1] = SESSION.userAgent
        shown[#shown + 1] = agent
      end
    elseif not HIDDEN[name] and (withAttributes or string.sub(name, 1, #ATTRIBUTE_PREFIX) ~= ATTRIBUTE_PREFIX) then
      shown[#shown + 1] = name
      shown[#shown + 1] = value
    end
  end
  local remembered = 0
  local familyId = session[SESSION.family]
  if session[SESSION.rememberedIdle] then
    -- The browser-bound session is the remembered login now (its family only superseded): it is remembered while it lives.
    remembered = expires
  elseif familyId then
    remembered = math.max(0, redis.call('PEXPIRETIME', prefixes.family .. familyId))
  end
  return {localId, lastSeen, expires, absolute, remembered, shown}
end
