--[[
  Lists one page of a user's live sessions in a stable order, oldest first: by creation time, then
  local id. Token checks reorder the session index (it is scored by last use), so a page taken from
  it could skip or repeat a session; this order never moves. The creation index is kept here alone:
  each call drops what left the session index and adds what joined it (one pass in Redis, and one
  read per session created since the last call), so no other script pays for it.
  KEYS[1] user's session index   KEYS[2] user's creation index (sorted set: local id by creation ms)
  ARGV[1] prefix of the user's session keys   ARGV[2] idle timeout (ms)   ARGV[3] absolute lifetime (ms)
  ARGV[4] prefix of the user's refresh families   ARGV[5] page size   ARGV[6] prefix of the user's agents
  ARGV[7] 'after' to page after a position (ARGV[8] its creation ms, ARGV[9] its local id; '' and ''
  for the first page), or 'offset' to skip ARGV[8] sessions (numbered pages)
  Returns {total, {session, ...}, more}, each session the envelope of sessionReply (prelude.lua)
  without attributes; total counts the live sessions; more is 1 when a session follows the page
  in the stable order (paging after a position only).
]]
local now = nowMs()
local idle = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - idle)
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
  return {0, {}}
end
-- Weight 0: the session index's last-use scores add nothing to the creation times kept.
redis.call('ZINTERSTORE', KEYS[2], 2, KEYS[2], KEYS[1], 'WEIGHTS', 1, 0)
for _, localId in ipairs(redis.call('ZDIFF', 2, KEYS[1], KEYS[2])) do
  local created = redis.call('HGET', ARGV[1] .. localId, SESSION.created)
  if created then redis.call('ZADD', KEYS[2], created, localId) else redis.call('ZREM', KEYS[1], localId) end
end
-- It lives as long as the session index (always volatile; a key without one answers -1).
local indexEnd = redis.call('PEXPIRETIME', KEYS[1])
if indexEnd > 0 then redis.call('PEXPIREAT', KEYS[2], indexEnd) end

local limit = tonumber(ARGV[5])
local more = 0
local prefixes = {family = ARGV[4], agent = ARGV[6]}
local sessions = {}
local gone = {}
local function take(localId)
  local session = readSession(ARGV[1] .. localId)
  if not session then
    gone[#gone + 1] = localId
    return
  end
  local seen = tonumber(redis.call('ZSCORE', KEYS[1], localId))
  local absolute = absoluteEnd(session, tonumber(ARGV[3]))
  sessions[#sessions + 1] = sessionReply(localId, session, seen, idleEnd(seen, idleOf(session, idle), absolute), absolute, prefixes, false)
end

if ARGV[7] == 'offset' then
  local offset = tonumber(ARGV[8])
  for _, localId in ipairs(redis.call('ZRANGE', KEYS[2], offset, offset + limit - 1)) do take(localId) end
else
  local afterCreated, afterId = tonumber(ARGV[8]), ARGV[9]
  local from = afterCreated or '-inf'
  local skip = 0
  -- Sessions created in the same millisecond as the position are ordered by id: skip those up to it.
  -- One id past a full page says whether a next page exists.
  while more == 0 do
    local batch = redis.call('ZRANGE', KEYS[2], from, '+inf', 'BYSCORE', 'LIMIT', skip, limit + 1, 'WITHSCORES')
    if #batch == 0 then break end
    for i = 1, #batch, 2 do
      if not (afterCreated and tonumber(batch[i + 1]) == afterCreated and batch[i] <= afterId) then
        if #sessions == limit then
          more = 1
          break
        end
        take(batch[i])
      end
    end
    skip = skip + #batch / 2
  end
end
-- Vanished ones (an expired key) leave both indexes, after the walk so no rank moved under it.
for _, localId in ipairs(gone) do
  redis.call('ZREM', KEYS[1], localId)
  redis.call('ZREM', KEYS[2], localId)
end
return {redis.call('ZCARD', KEYS[1]), sessions, more}
