--[[
  Lists one page of a user's live sessions, pruning the index of idle and vanished ones on the
  way. The work is bounded by the page size, however many sessions the user has.
  KEYS[1] user's session index
  ARGV[1] prefix of the user's session keys   ARGV[2] idle timeout (ms)   ARGV[3] absolute lifetime (ms)
  ARGV[4] prefix of the user's refresh families   ARGV[5] offset of the page (0-based)   ARGV[6] page size
  Returns {total, {{localId, lastSeenAtMs, createdAtMs, expiresAtMs, deviceType, deviceName, ip,
  userAgent, rememberedUntilMs (0: not remembered)}, ...}}, least recently seen first; total
  counts the index after pruning idle ones.
]]
local now = nowMs()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local offset = tonumber(ARGV[5])
local entries = redis.call('ZRANGE', KEYS[1], offset, offset + tonumber(ARGV[6]) - 1, 'WITHSCORES')
local sessions = {}
for i = 1, #entries, 2 do
  local f = redis.call('HMGET', ARGV[1] .. entries[i], 'c', 't', 'n', 'i', 'u', 'f')
  if not f[1] then
    redis.call('ZREM', KEYS[1], entries[i])
  else
    local expires = math.min(tonumber(entries[i + 1]) + tonumber(ARGV[2]), tonumber(f[1]) + tonumber(ARGV[3]))
    local remembered = 0
    if f[6] then remembered = math.max(0, redis.call('PEXPIRETIME', ARGV[4] .. f[6])) end
    sessions[#sessions + 1] = {entries[i], entries[i + 1], f[1], expires, f[2] or '', f[3] or '', f[4] or '', f[5] or '', remembered}
  end
end
return {redis.call('ZCARD', KEYS[1]), sessions}
