--[[
  Spends a refresh token: one step that checks it, ends the family's previous session, mints the
  new session and rotates the family's refresh hash, so no interleaving can hand one refresh
  token two different new pairs or leave two live sessions for one family (RFC 9700 §4.14.2).
  KEYS[1] family hash   KEYS[2] family's spent refresh hashes (sorted set)   KEYS[3] user hash (the
  session index with it)   KEYS[4] the user's session index as kept before (adopted)   KEYS[5] new session hash
  ARGV[1] hash of the presented refresh secret   ARGV[2] family id   ARGV[3] new session's local id
  ARGV[4] new session secret's hash   ARGV[5] new refresh secret's hash   ARGV[6] session idle timeout (ms)
  ARGV[7] session absolute lifetime (ms)   ARGV[8] refresh idle timeout (ms)
  ARGV[9] refresh absolute lifetime (ms)   ARGV[10] reuse grace (ms)   ARGV[11] prefix of the user's session keys
  ARGV[12] the new pair, sealed under the presented secret (kept to answer a retry alike)
  ARGV[13] client ip ('' when unknown)   ARGV[14] user agent as it is, when it does not pack small
  ('' when unknown or packed)   ARGV[15] most spent hashes kept
  ARGV[16] prefix of the user's refresh families   ARGV[17] prefix of the user's agents
  ARGV[18] thumbprint of the key the request proved (DPoP), '' for none
  ARGV[19] user agent packed (store/userAgentCodec.ts; '' when unknown or not packed)
  Returns false when the token is unknown, wrong, expired, its family ended, or it is a spent token
  retried within the grace window that may not be answered again (an older one whose successor was
  spent too, one replayed once already, or one whose session is gone); otherwise
  {'unproven'} when the token is live (or spent) but the request does not prove the key the family
  is bound to, or proves one where the family is bound to none: nothing changes, so a copied refresh
  token without its key can neither refresh the login nor end it;
  {'rotated', userId, roles, userName, session, endedLocalId} (a new pair; endedLocalId the family's
  previous session if it was still live, else ''), {'replayed', userId, roles, userName, session,
  sealedPair} (the first retry within the grace window: the session and pair of the first answer,
  sealed) or {'reused', userId, endedLocalId} (a spent token after the grace window, or any token of
  a family a browser key binding superseded: the family and its session ended). session is the envelope of sessionReply (prelude.lua). A ban moves the
  generation on, so a banned user's family ends like any other whose generation moved.
]]
local family = {}
local raw = redis.call('HGETALL', KEYS[1])
if #raw == 0 then return false end
for i = 1, #raw, 2 do family[raw[i]] = raw[i + 1] end
local now = nowMs()
local user = redis.call('HMGET', KEYS[3], 'u', 'g', 'r', 'n')
adoptIndex(KEYS[3], KEYS[4])
local prefixes = {family = ARGV[16], agent = ARGV[17]}

local function endWholeFamily()
  if family.s then endSession(ARGV[11] .. family.s, KEYS[3], family.s) end
  redis.call('DEL', KEYS[1], KEYS[2])
end

-- Logout everywhere, a password change or a ban moved the generation on: the family is over.
if user[2] ~= family.g or now >= tonumber(family.c) + tonumber(ARGV[9]) then
  endWholeFamily()
  return false
end

local current = ARGV[1] == family.h
local spentAt = nil
if not current then
  spentAt = redis.call('ZSCORE', KEYS[2], ARGV[1])
  -- A wrong secret leaves the family alone: guessing must not be a way to end someone's login.
  if not spentAt then return false end
end
-- A login bound to a key (DPoP, RFC 9449 §5) is refreshed only by that key, checked before the
-- reuse check: a copied refresh token without its key can neither refresh the login nor end it.
if (family[SESSION.boundKey] or '') ~= ARGV[18] then return {'unproven'} end
-- A family a browser key binding superseded (bindDevice.lua) refreshes nothing, and every token of
-- it, current or spent, is dead: the binder's own was cleared with the binding, so one presented
-- now is a copy, even within the grace window. Taken for reuse, it ends the bound session with the
-- family: a thief who spent the owner's token to bind a session to his key is caught when the
-- owner's browser presents it, as if he had only refreshed.
if family[FAMILY_SUPERSEDED] then
  local ended = family.s or ''
  endWholeFamily()
  return {'reused', user[1], ended}
end
if not current then
  if now - tonumber(spentAt) < tonumber(ARGV[10]) then
    -- A client racing itself within the grace window is no theft: a retry of the token spent last
    -- gets the first answer again, once, so the live pair goes to one retry, not to whoever holds a
    -- copy. An older token whose successor was spent too has no answer kept.
    if ARGV[1] ~= family.p or family.pn then return false end
    local session = readSession(ARGV[11] .. family.s)
    if not session then return false end
    redis.call('HSET', KEYS[1], 'pn', 1)
    local seen = tonumber(redis.call('HGET', KEYS[3], SEEN .. family.s) or session[SESSION.created])
    local absolute = absoluteEnd(session, tonumber(ARGV[7]))
    return {'replayed', user[1], user[3] or '', user[4] or '',
      sessionReply(family.s, session, seen, idleEnd(seen, idleOf(session, tonumber(ARGV[6])), absolute), absolute, prefixes, false), family.pe}
  end
  -- A spent token again, after the grace window: someone holds a copy. End everything it could reach.
  local ended = family.s or ''
  endWholeFamily()
  return {'reused', user[1], ended}
end

-- The previous session ends here; it is reported only if it was still live (not merely expired).
local endedLocalId = ''
if family.s then
  if redis.call('EXISTS', ARGV[11] .. family.s) == 1 then endedLocalId = family.s end
  endSession(ARGV[11] .. family.s, KEYS[3], family.s)
end
local familyEnd = tonumber(family.c) + tonumber(ARGV[9])
local fields = {[SESSION.family] = ARGV[2], [SESSION.ip] = ARGV[13], [SESSION.userAgent] = ARGV[14], [SESSION.packedUserAgent] = ARGV[19],
  [SESSION.deviceType] = family.t or '', [SESSION.deviceName] = family.n or '', [SESSION.boundKey] = family[SESSION.boundKey] or ''}
-- The login's sign-in time and its kind's lifetimes live on: a refresh proves no password.
local lifetime = {[SESSION.created] = now}
for name, carried in pairs(FAMILY_CARRIES) do
  fields[name] = family[carried] or ''
  lifetime[name] = family[carried]
end
-- A minted session dies with its family: it never outlives the refresh absolute lifetime.
local absolute = absoluteEnd(lifetime, tonumber(ARGV[7]))
if familyEnd < absolute then
  absolute = familyEnd
  fields[SESSION.absoluteEnd] = familyEnd
end
local expires = idleEnd(now, idleOf(lifetime, tonumber(ARGV[6])), absolute)
local session = writeSession(KEYS[5], KEYS[3], ARGV[3], ARGV[4], family.g, now, expires, fields, ARGV[17])
-- One session per device type (create.lua): the refreshed session is the device's session now.
if family.t and redis.call('HGET', KEYS[3], 'd:' .. family.t) == family.s then
  redis.call('HSET', KEYS[3], 'd:' .. family.t, ARGV[3])
end

-- The refresh idle timeout slides from this use, never past the family's absolute end.
local refreshExpires = math.min(now + tonumber(ARGV[8]), familyEnd)
redis.call('HSET', KEYS[1], 'h', ARGV[5], 's', ARGV[3], 'p', family.h, 'pe', ARGV[12])
-- pr: the times of the last pair, kept by earlier versions and read no more.
redis.call('HDEL', KEYS[1], 'pn', 'pr')
redis.call('PEXPIREAT', KEYS[1], refreshExpires)
redis.call('ZADD', KEYS[2], now, family.h)
-- Bounded: a token spent longer ago than the last few rotations is merely unknown, not an alarm.
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[15]) + 1))
redis.call('PEXPIREAT', KEYS[2], refreshExpires)
return {'rotated', user[1], user[3] or '', user[4] or '', sessionReply(ARGV[3], session, now, expires, absolute, prefixes, false),
  endedLocalId}
