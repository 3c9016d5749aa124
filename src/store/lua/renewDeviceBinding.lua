--[[
  Renews a browser-bound session's cookie (DBSC refresh), once the browser has proven its key: a
  new secret, so the cookie it had (and any copy of it) is refused from now on, and a new window.
  KEYS[1] session hash   KEYS[2] user hash (the session index with it)   KEYS[3] the user's session
  index as kept before (adopted when the session is not in the user hash)
  KEYS[4] the marker of the challenge the proof signed (UserKeys.usedProof)
  ARGV[1] SHA-256 of the new secret (first 16 bytes)   ARGV[2] window length (ms)
  ARGV[3] idle timeout (ms; a session's own is shorter)   ARGV[4] absolute lifetime (ms; likewise)
  ARGV[5] local session id   ARGV[6] how long the challenge marker is kept (ms)   ARGV[7] prefix of the user's agents
  Returns {windowEnd, expiresAt} (ms); 'gone' when the session is not live, 'unbound' when no browser
  key is bound to it, 'replayed' when this challenge was answered before.
]]
local session = readSession(KEYS[1])
if not session then return 'gone' end
local user = redis.call('HMGET', KEYS[2], 'g', SEEN .. ARGV[5])
local generation, lastSeen = user[1], user[2]
if not lastSeen and adoptIndex(KEYS[2], KEYS[3]) then lastSeen = redis.call('HGET', KEYS[2], SEEN .. ARGV[5]) end
local now = nowMs()
local idle = idleOf(session, tonumber(ARGV[3]))
local absolute = absoluteEnd(session, tonumber(ARGV[4]))
if generation ~= session[SESSION.generation] or now >= absolute or not lastSeen or now - tonumber(lastSeen) >= idle then
  endSession(KEYS[1], KEYS[2], ARGV[5])
  return 'gone'
end
if not session[SESSION.deviceBoundUntil] then return 'unbound' end
-- In the session's slot, so a signed challenge is spent once across every instance.
if not redis.call('SET', KEYS[4], '1', 'NX', 'PX', ARGV[6]) then return 'replayed' end

local boundUntil = math.min(now + tonumber(ARGV[2]), absolute)
local expires = idleEnd(now, idle, absolute)
redis.call('HSET', KEYS[1], SESSION.secretHash, ARGV[1], SESSION.deviceBoundUntil, boundUntil)
slideSession(KEYS[1], session, expires, ARGV[7])
redis.call('HSET', KEYS[2], SEEN .. ARGV[5], now)
return {boundUntil, expires}
