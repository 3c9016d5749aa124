--[[
  Lists one page of a user's live sessions, pruning the index of idle and vanished ones on the
  way. The work is bounded by the page size, however many sessions the user has.
  KEYS[1] user's session index
  ARGV[1] prefix of the user's session keys   ARGV[2] idle timeout (ms)   ARGV[3] absolute lifetime (ms)
  ARGV[4] prefix of the user's refresh families   ARGV[5] offset of the page (0-based)   ARGV[6] page size
  ARGV[7] prefix of the user's agents
  Returns {total, {session, ...}}, each session the envelope of sessionReply (prelude.lua) without
  attributes, least recently seen first; total counts the index after pruning idle ones.
]]
local now = nowMs()
local idle = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - idle)
local offset = tonumber(ARGV[5])
local entries = redis.call('ZRANGE', KEYS[1], offset, offset + tonumber(ARGV[6]) - 1, 'WITHSCORES')
local prefixes = {family = ARGV[4], agent = ARGV[7]}
local sessions = {}
for i = 1, #entries, 2 do
  local localId, seen = entries[i], tonumber(entries[i + 1])
  local session = readSession(ARGV[1] .. localId)
  if not session then
    redis.call('ZREM', KEYS[1], localId)
  else
    local absolute = absoluteEnd(session, tonumber(ARGV[3]))
    sessions[#sessions + 1] = sessionReply(localId, session, seen, idleEnd(seen, idle, absolute), absolute, prefixes, false)
  end
end
return {redis.call('ZCARD', KEYS[1]), sessions}
