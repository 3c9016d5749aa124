--[[
  Validates a token and slides its session's expiry: the hot path, one round trip.
  KEYS[1] session hash   KEYS[2] user hash   KEYS[3] user's session index
  ARGV[1] SHA-256 of the token's secret (first 16 bytes)   ARGV[2] idle timeout (ms)
  ARGV[3] absolute lifetime (ms)   ARGV[4] local session id   ARGV[5] prefix of the user's refresh families
  ARGV[6] slide granularity (ms): a session last slid less than this long ago is not slid again
  Returns false when the token is unknown, wrong, revoked or expired; otherwise
  {userId, roles, userName, lastSeenMs, expiresAtMs, absoluteExpiresAtMs, {field, value, ...},
  rememberedUntilMs} with the session's fields but its secret hash and generation (which never
  leave this script) and when its refresh family ends (0: not remembered, or no longer).
]]
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return false end
local session = {}
local shown = {}
for i = 1, #fields, 2 do
  local name = fields[i]
  session[name] = fields[i + 1]
  if name ~= 'h' and name ~= 'g' then
    shown[#shown + 1] = name
    shown[#shown + 1] = fields[i + 1]
  end
end
-- A wrong secret leaves the session alone: guessing must not be a way to end someone's session.
if session.h ~= ARGV[1] then return false end

local user = redis.call('HMGET', KEYS[2], 'u', 'g', 'r', 'n')
local lastSeen = redis.call('ZSCORE', KEYS[3], ARGV[4])
local now = nowMs()
-- The lifetimes are today's settings, so shortening either applies to existing sessions too.
local absolute = tonumber(session.c) + tonumber(ARGV[3])
-- A generation behind the user's means revoke-all (logout everywhere, password change, ban) ran;
-- no index entry means the session was pruned as idle, or revoked.
if user[2] ~= session.g or now >= absolute or not lastSeen or now - tonumber(lastSeen) >= tonumber(ARGV[2]) then
  endSession(KEYS[1], KEYS[3], ARGV[4])
  return false
end

local seen = tonumber(lastSeen)
-- The last slide set the key's expiry to this, so it needs no PEXPIRETIME to read back (after a
-- change of the idle timeout, the key's own expiry catches up at its next slide).
local expires = math.min(seen + tonumber(ARGV[2]), absolute)
if now - seen >= tonumber(ARGV[6]) then
  -- Slid moments ago otherwise: writing nothing keeps a busy token off the AOF and the replication stream.
  seen = now
  expires = math.min(now + tonumber(ARGV[2]), absolute)
  redis.call('PEXPIREAT', KEYS[1], expires)
  -- The index score is the last-seen time: it orders sessions for eviction and dates them.
  redis.call('ZADD', KEYS[3], now, ARGV[4])
  -- The index outlives its longest session; GT leaves a later expiry alone (the index is always volatile here).
  redis.call('PEXPIREAT', KEYS[3], expires, 'GT')
end

local remembered = 0
if session.f then remembered = math.max(0, redis.call('PEXPIRETIME', ARGV[5] .. session.f)) end

return {user[1], user[3] or '', user[4] or '', seen, expires, absolute, shown, remembered}
