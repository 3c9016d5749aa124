--[[
  Binds a cookie session to the browser key that registered for it (DBSC): keeps the key beside the
  session and opens the first window its cookie is accepted in. The key supersedes a remembered
  login, in the same step: the session's refresh family is marked superseded (FAMILY_SUPERSEDED),
  so its refresh tokens mint no unbound session any more, and the session takes over the login's
  lifetime instead (the family's absolute end, and its refresh idle timeout between the browser's
  proofs). The family is kept, with its spent hashes, until that end: a refresh token of it
  presented later is a copy, and refresh.lua ends the bound session for it (reuse detection). The
  session keeps its family field, so logging out of it or evicting it ends the family too.
  KEYS[1] session hash   KEYS[2] user hash (the session index with it)
  ARGV[1] SHA-256 of the token's secret (first 16 bytes)   ARGV[2] the public key (a JWK, as JSON)
  ARGV[3] window length (ms)   ARGV[4] local session id   ARGV[5] prefix of the user's refresh families
  ARGV[6] refresh idle timeout (ms)   ARGV[7] refresh absolute lifetime (ms)   ARGV[8] prefix of the user's agents
  Returns {windowEnd, expiresAt, remembered} (ms; remembered 1 when a remembered login was taken
  over, else 0); {0} when the session is gone or the secret is not its; {-1} when the session is
  bound already, to a browser key or a DPoP key (a second registration must not replace the first).
]]
local session = readSession(KEYS[1])
if not session or session[SESSION.secretHash] ~= ARGV[1] then return {0} end
-- Ended since the request's token check (revoke-all, a ban, a password change, a revoke): a key
-- must not bring it back. The check adopted any index kept as before, so the user hash has it.
local user = redis.call('HMGET', KEYS[2], 'g', SEEN .. ARGV[4])
if user[1] ~= session[SESSION.generation] or not user[2] then
  endSession(KEYS[1], KEYS[2], ARGV[4])
  return {0}
end
if session[SESSION.deviceBoundUntil] or session[SESSION.boundKey] then return {-1} end
local now = nowMs()
local boundUntil = now + tonumber(ARGV[3])
-- The key lives as long as the session hash, and slides with it (slideSession).
local expires = redis.call('PEXPIRETIME', KEYS[1])
local remembered = 0
local familyId = session[SESSION.family]
if familyId then
  local familyKey = ARGV[5] .. familyId
  local familyCreated = redis.call('HGET', familyKey, 'c')
  if not familyCreated then
    -- The login's family is gone already: nothing to take over.
    redis.call('HDEL', KEYS[1], SESSION.family)
  else
    local familyEnd = tonumber(familyCreated) + tonumber(ARGV[7])
    redis.call('HSET', familyKey, FAMILY_SUPERSEDED, now, 's', ARGV[4])
    redis.call('PEXPIREAT', familyKey, familyEnd)
    redis.call('PEXPIREAT', familyKey .. SPENT_SUFFIX, familyEnd)
    redis.call('HSET', KEYS[1], SESSION.rememberedIdle, ARGV[6], SESSION.absoluteEnd, familyEnd)
    session[SESSION.rememberedIdle] = ARGV[6]
    expires = idleEnd(now, tonumber(ARGV[6]), familyEnd)
    slideSession(KEYS[1], session, expires, ARGV[8])
    redis.call('HSET', KEYS[2], SEEN .. ARGV[4], now)
    remembered = 1
  end
end
redis.call('SET', KEYS[1] .. DEVICE_KEY_SUFFIX, ARGV[2], 'PXAT', expires)
redis.call('HSET', KEYS[1], SESSION.deviceBoundUntil, boundUntil)
return {boundUntil, expires, remembered}
