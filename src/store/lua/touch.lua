--[[
  Validates a token and slides its session's expiry: the hot path, one round trip.
  KEYS[1] session hash   KEYS[2] user hash (the session index with it)   KEYS[3] the user's session
  index as kept before (adopted when the session is not in the user hash)
  ARGV[1] SHA-256 of the token's secret (first 16 bytes) in lowercase hex   ARGV[2] idle timeout (ms; a session's own is shorter)
  ARGV[3] absolute lifetime (ms; likewise)   ARGV[4] local session id   ARGV[5] prefix of the user's refresh families
  ARGV[6] slide granularity (ms): a session last slid less than this long ago is not slid again
  ARGV[7] prefix of the user's agents
  ARGV[8] the key the request proved (DPoP, RFC 9449): its thumbprint, '' for a bearer token, '*'
  to accept a session bound or not (introspection, whose caller checks the proof itself); ARGV[8]
  to ARGV[10] left out stand for a bearer token
  ARGV[9] the key recording the proof's jti ('' without a proof)   ARGV[10] how long it is kept (ms)
  Returns false when the token is unknown, wrong, revoked or expired, or its session is bound to a
  browser key (DBSC) whose window has lapsed; {'unproven', why} when the
  session is live but the request does not prove its key (why: 'bearer' for a bound session's
  token sent without a proof, 'key' for another key, 'unbound' for a proof of a bearer session,
  'replayed' for a proof accepted before), leaving the session as it was; otherwise
  {userId, roles, userName, session} where session is the envelope of sessionReply (prelude.lua),
  attributes included.
]]
local session = readSession(KEYS[1])
if not session then return false end
-- A wrong secret leaves the session alone: guessing must not be a way to end someone's session.
-- The hash is stored as 16 raw bytes and sent as hex, a string the client builds faster than a
-- binary argument; four words formatted at once cost Redis a fraction of that.
local stored = session[SESSION.secretHash]
if not stored or #stored ~= 16 or string.format('%08x%08x%08x%08x', struct.unpack('>I4I4I4I4', stored)) ~= ARGV[1] then return false end

local user = redis.call('HMGET', KEYS[2], 'u', 'g', 'r', 'n', SEEN .. ARGV[4])
local lastSeen = user[5]
if not lastSeen and adoptIndex(KEYS[2], KEYS[3]) then lastSeen = redis.call('HGET', KEYS[2], SEEN .. ARGV[4]) end
local now = nowMs()
local idle = idleOf(session, tonumber(ARGV[2]))
local absolute = absoluteEnd(session, tonumber(ARGV[3]))
-- A generation behind the user's means revoke-all (logout everywhere, password change, ban) ran;
-- no index entry means the session was pruned as idle, or revoked.
if user[2] ~= session[SESSION.generation] or now >= absolute or not lastSeen or now - tonumber(lastSeen) >= idle then
  endSession(KEYS[1], KEYS[2], ARGV[4])
  return false
end
-- DBSC: a session bound to a browser's key is accepted only within the window the key's last proof
-- opened; the session stays for the owner's browser to prove the key again.
local boundUntil = session[SESSION.deviceBoundUntil]
if boundUntil and now >= tonumber(boundUntil) then return false end

-- Before the slide: a thief's refused tries neither end the session nor keep it alive.
local proved = ARGV[8] or ''
if proved ~= '*' then
  local bound = session[SESSION.boundKey] or ''
  if bound ~= proved then
    if bound == '' then return {'unproven', 'unbound'} end
    return {'unproven', proved == '' and 'bearer' or 'key'}
  end
  -- Here, in the session's slot, so a proof is accepted once across every instance (RFC 9449 §11.1).
  if bound ~= '' and not redis.call('SET', ARGV[9], '1', 'NX', 'PX', ARGV[10]) then return {'unproven', 'replayed'} end
end

local seen = tonumber(lastSeen)
-- The last slide set the key's expiry to this, so it needs no PEXPIRETIME to read back (after a
-- change of the idle timeout, the key's own expiry catches up at its next slide).
local expires = idleEnd(seen, idle, absolute)
if now - seen >= tonumber(ARGV[6]) then
  -- Slid moments ago otherwise: writing nothing keeps a busy token off the AOF and the replication stream.
  seen = now
  expires = idleEnd(now, idle, absolute)
  slideSession(KEYS[1], session, expires, ARGV[7])
  -- The index entry is the last-seen time: it orders sessions for eviction and dates them.
  redis.call('HSET', KEYS[2], SEEN .. ARGV[4], now)
end

return {user[1], user[3] or '', user[4] or '', sessionReply(ARGV[4], session, seen, expires, absolute, {family = ARGV[5], agent = ARGV[7]}, true)}
