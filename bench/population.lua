--[[
  The scale curve's cloner (bench/population.ts): copies one real session, made by tessera.create,
  under new ids, as many times as it is given ids, so a million live sessions take a thousand
  script calls rather than a million logins. Each clone gets what a real login of a new user leaves behind: a user
  hash (the template's fields, its own user id), a session index holding the clone at the
  template's last-seen time, the session hash (the template's fields, its own secret hash), the
  user agent string, the user id -> tag key and the user's known devices, each with the template
  key's expiry. The key
  layout comes from the KeySpace, as the text around the tag (or user id) in each key name.
  ARGV[1] session field of the secret hash   ARGV[2] session field of the agent's short hash
  ARGV[3] user field of the user id
  ARGV[4..11] text before and after the tag in: the user hash, the session index, the session
  prefix, the agent prefix   ARGV[12..13] text before and after the user id in its tag key
  ARGV[14..15] text before and after the tag in the known-devices key
  ARGV[16] template tag   ARGV[17] template local id   ARGV[18] template user id
  ARGV[19..] per clone: tag, local id, user id, secret hash
  Returns the number of sessions cloned.
]]
local function around(i, middle) return ARGV[i] .. middle .. ARGV[i + 1] end
local USER, INDEX, SESSIONS, AGENTS, USER_TAG, DEVICES = 4, 6, 8, 10, 12, 14

-- A key's absolute expiry for SET/PEXPIREAT, or nil when it has none.
local function expiry(key)
  local at = redis.call('PEXPIRETIME', key)
  if at > 0 then return at end
  return nil
end

-- The fields with `name` set to `value`, and any value naming the template session (the user's
-- device map, `d:<type>` -> local id) naming the clone instead.
local function copyWith(fields, name, value, newLocalId)
  local copy = {}
  for i = 1, #fields, 2 do
    copy[i] = fields[i]
    if fields[i] == name then
      copy[i + 1] = value
    elseif fields[i + 1] == ARGV[15] then
      copy[i + 1] = newLocalId
    else
      copy[i + 1] = fields[i + 1]
    end
  end
  return copy
end

local tag, localId = ARGV[16], ARGV[17]
local sessionKey = around(SESSIONS, tag) .. localId
local session = redis.call('HGETALL', sessionKey)
local user = redis.call('HGETALL', around(USER, tag))
if #session == 0 or #user == 0 then return redis.error_reply('template session ' .. tag .. localId .. ' is gone') end
local seen = redis.call('ZSCORE', around(INDEX, tag), localId)
local sessionEnd, indexEnd = expiry(sessionKey), expiry(around(INDEX, tag))
local userEnd, tagEnd = expiry(around(USER, tag)), expiry(around(USER_TAG, ARGV[18]))
-- ZADD's order (score, member) from ZRANGE's (member, score).
local devices = {}
local listed = redis.call('ZRANGE', around(DEVICES, tag), 0, -1, 'WITHSCORES')
for i = 1, #listed, 2 do
  devices[#devices + 1] = listed[i + 1]
  devices[#devices + 1] = listed[i]
end
local devicesEnd = expiry(around(DEVICES, tag))
local agentRef, agent, agentEnd
for i = 1, #session, 2 do
  if session[i] == ARGV[2] then agentRef = session[i + 1] end
end
if agentRef then
  agent = redis.call('GET', around(AGENTS, tag) .. agentRef)
  agentEnd = expiry(around(AGENTS, tag) .. agentRef)
end

local function expireAt(key, at)
  if at then redis.call('PEXPIREAT', key, at) end
end

local cloned = 0
for i = 19, #ARGV, 4 do
  local newTag, newLocalId, newUserId, secretHash = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local userKey, indexKey = around(USER, newTag), around(INDEX, newTag)
  local newSessionKey = around(SESSIONS, newTag) .. newLocalId
  redis.call('HSET', userKey, unpack(copyWith(user, ARGV[3], newUserId, newLocalId)))
  expireAt(userKey, userEnd)
  redis.call('HSET', newSessionKey, unpack(copyWith(session, ARGV[1], secretHash, newLocalId)))
  expireAt(newSessionKey, sessionEnd)
  redis.call('ZADD', indexKey, seen, newLocalId)
  expireAt(indexKey, indexEnd)
  if agent then
    local agentKey = around(AGENTS, newTag) .. agentRef
    redis.call('SET', agentKey, agent)
    expireAt(agentKey, agentEnd)
  end
  local tagKey = around(USER_TAG, newUserId)
  redis.call('SET', tagKey, newTag)
  expireAt(tagKey, tagEnd)
  if #devices > 0 then
    local devicesKey = around(DEVICES, newTag)
    redis.call('ZADD', devicesKey, unpack(devices))
    expireAt(devicesKey, devicesEnd)
  end
  cloned = cloned + 1
end
return cloned
