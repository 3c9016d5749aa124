--[[
  Validates a token and slides its session's expiry: the hot path, one round trip.
  KEYS[1] session hash   KEYS[2] user hash   KEYS[3] user's session index
  ARGV[1] SHA-256 of the token's secret   ARGV[2] idle timeout (ms)   ARGV[3] local session id
  Returns false when the token is unknown, wrong, revoked or expired; otherwise
  {userId, roles, userName, nowMs, expiresAtMs, field, value, ...} with the session's fields
  except the secret hash.
]]
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return false end
local session = {}
for i = 1, #fields, 2 do session[fields[i]] = fields[i + 1] end
-- A wrong secret leaves the session alone: guessing must not be a way to end someone's session.
if session.h ~= ARGV[1] then return false end

local user = redis.call('HMGET', KEYS[2], 'u', 'g', 'r', 'n')
local now = nowMs()
local absolute = tonumber(session.a)
-- A generation behind the user's means revoke-all (logout everywhere, password change, ban) ran.
if user[2] ~= session.g or now >= absolute then
  endSession(KEYS[1], KEYS[3], ARGV[3])
  return false
end

local expires = math.min(now + tonumber(ARGV[2]), absolute)
redis.call('HSET', KEYS[1], 'l', now)
redis.call('PEXPIREAT', KEYS[1], expires)
redis.call('ZADD', KEYS[3], expires, ARGV[3])
extendTo(KEYS[3], expires)

local reply = {user[1], user[3] or '', user[4] or '', now, expires}
for i = 1, #fields, 2 do
  if fields[i] ~= 'h' and fields[i] ~= 'l' then
    reply[#reply + 1] = fields[i]
    reply[#reply + 1] = fields[i + 1]
  end
end
return reply
