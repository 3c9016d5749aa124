--[[
  Renews a browser-bound session's cookie (DBSC refresh), once the browser has proven its key: a
  new secret, so the cookie it had (and any copy of it) is refused from now on, and a new window.
  KEYS[1] session hash   KEYS[2] user hash   KEYS[3] user's session index
  KEYS[4] the marker of the challenge the proof signed (UserKeys.usedProof)
  ARGV[1] SHA-256 of the new secret (first 16 bytes)   ARGV[2] window length (ms)
  ARGV[3] idle timeout (ms; a session's own is shorter)   ARGV[4] absolute lifetime (ms; likewise)
  ARGV[5] local session id   ARGV[6] how long the challenge marker is kept (ms)   ARGV[7] prefix of the user's agents
  Returns {windowEnd, expiresAt} (ms); 'gone' when the session is not live, 'unbound' when no browser
  key is bound to it, 'replayed' when this challenge was answered before.
]]
local session = readSession(KEYS[1])
if not session then return 'gone' end
local generation = redis.call('HGET', KEYS[2], 'g')
local lastSeen = redis.call('ZSCORE', KEYS[3], ARGV[5])
local now = nowMs()
local idle = idleOf(session, tonumber(ARGV[3]))
local absolute = absoluteEnd(session, tonumber(ARGV[4]))
if generation ~= session[SESSION.generation] or now >= absolute or not lastSeen or now - tonumber(lastSeen) >= idle then
  endSession(KEYS[1], KEYS[3], ARGV[5])
  return 'gone'
end
if not session[SESSION.deviceBoundUntil] then return 'unbound' end
-- In the session's slot, so a signed challenge is spent once across every instance.
if not redis.call('SET', KEYS[4], '1', 'NX', 'PX', ARGV[6]) then return 'replayed' end

local boundUntil = math.min(now + tonumber(ARGV[2]), absolute)
local expires = idleEnd(now, idle, absolute)
redis.call('HSET', KEYS[1], SESSION.secretHash, ARGV[1], SESSION.deviceBoundUntil, boundUntil)
slideSession(KEYS[1], session, expires, ARGV[7])
redis.call('ZADD', KEYS[3], now, ARGV[5])
redis.call('PEXPIREAT', KEYS[3], expires, 'GT')
return {boundUntil, expires}
