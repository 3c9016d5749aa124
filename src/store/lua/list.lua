--[[
  Lists a user's live sessions, pruning expired entries from the index on the way.
  KEYS[1] user's session index
  ARGV[1] prefix of the user's session keys
  Returns {{localId, expiresAtMs, createdAtMs, lastSeenAtMs, absoluteExpiresAtMs, deviceType,
  deviceName, ip, userAgent}, ...}, least recently used first.
]]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs())
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local sessions = {}
for i = 1, #entries, 2 do
  local f = redis.call('HMGET', ARGV[1] .. entries[i], 'c', 'l', 'a', 'dt', 'dn', 'ip', 'ua')
  if f[1] then
    sessions[#sessions + 1] = {entries[i], entries[i + 1], f[1], f[2], f[3], f[4] or '', f[5] or '', f[6] or '', f[7] or ''}
  end
end
return sessions
