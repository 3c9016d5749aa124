--[[
  Lists one page of a user's live sessions in a stable order, oldest first: by creation time, then
  local id. Token checks move the last-seen times of the session index, so a page taken in their
  order could skip or repeat a session; this order never moves. The creation index is kept here
  alone, from the session index: each call drops what left it and adds what joined it (one read
  per session created since the last call), so no other script pays for it. It exists only while
  a user lists, and is rebuilt the same from the sessions when it has expired.
  KEYS[1] user hash (the session index with it)   KEYS[2] the user's session index as kept before
  (adopted)   KEYS[3] user's creation index (sorted set: local id by creation ms)
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
adoptIndex(KEYS[1], KEYS[2])
local seenOf, total = liveIndex(KEYS[1], now, idle, ARGV[1])
if total == 0 then
  redis.call('DEL', KEYS[3])
  return {0, {}}
end
local dated = {}
for _, localId in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  if seenOf[localId] then dated[localId] = true else redis.call('ZREM', KEYS[3], localId) end
end
for localId in pairs(seenOf) do
  if not dated[localId] then
    local created = redis.call('HGET', ARGV[1] .. localId, SESSION.created)
    if created then
      redis.call('ZADD', KEYS[3], created, localId)
    else
      redis.call('HDEL', KEYS[1], SEEN .. localId)
      seenOf[localId] = nil
      total = total - 1
    end
  end
end
-- A cache of the creation times: kept while the user lists, rebuilt alike once it expired.
redis.call('PEXPIRE', KEYS[3], idle)

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
  local seen = seenOf[localId]
  local absolute = absoluteEnd(session, tonumber(ARGV[3]))
  sessions[#sessions + 1] = sessionReply(localId, session, seen, idleEnd(seen, idleOf(session, idle), absolute), absolute, prefixes, false)
end

if ARGV[7] == 'offset' then
  local offset = tonumber(ARGV[8])
  for _, localId in ipairs(redis.call('ZRANGE', KEYS[3], offset, offset + limit - 1)) do take(localId) end
else
  local afterCreated, afterId = tonumber(ARGV[8]), ARGV[9]
  local from = afterCreated or '-inf'
  local skip = 0
  -- Sessions created in the same millisecond as the position are ordered by id: skip those up to it.
  -- One id past a full page says whether a next page exists.
  while more == 0 do
    local batch = redis.call('ZRANGE', KEYS[3], from, '+inf', 'BYSCORE', 'LIMIT', skip, limit + 1, 'WITHSCORES')
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
  redis.call('HDEL', KEYS[1], SEEN .. localId)
  redis.call('ZREM', KEYS[3], localId)
end
return {total - #gone, sessions, more}
