--[[
  The scale curve's cloner (bench/population.ts): copies one real session, made by tessera.create,
  under new ids, as many times as it is given ids, so a million live sessions take a thousand
  script calls rather than a million logins. Each clone gets what a real login of a new user
  leaves behind: a user hash (the template's fields, with its own user id and its session in the
  session index), the session hash (the template's fields, its own secret hash) and, when the
  template's user agent did not pack small, the user agent string, each with the template key's
  expiry. The key layout comes from the KeySpace, as the text around the tag in each key name.
  ARGV[1] session field of the secret hash   ARGV[2] session field of the agent's short hash
  ARGV[3] user field of the user id   ARGV[4] prefix of a session index entry in the user hash
  ARGV[5..10] text before and after the tag in: the user hash, the session prefix, the agent prefix
  ARGV[11] template tag   ARGV[12] template local id
  ARGV[13..] per clone: tag, local id, user id, secret hash
  Returns the number of sessions cloned.
]]
local function around(i, middle) return ARGV[i] .. middle .. ARGV[i + 1] end
local USER, SESSIONS, AGENTS = 5, 7, 9
local SEEN = ARGV[4]
local tag, localId = ARGV[11], ARGV[12]

-- A key's absolute expiry for PEXPIREAT, or nil when it has none.
local function expiry(key)
  local at = redis.call('PEXPIRETIME', key)
  if at > 0 then return at end
  return nil
end

-- The fields with `name` set to `value`, and any name or value naming the template session (its
-- session index entry, the user's device map `d:<type>` -> local id) naming the clone instead.
local function copyWith(fields, name, value, newLocalId)
  local copy = {}
  for i = 1, #fields, 2 do
    copy[i] = fields[i] == SEEN .. localId and SEEN .. newLocalId or fields[i]
    if fields[i] == name then
      copy[i + 1] = value
    elseif fields[i + 1] == localId then
      copy[i + 1] = newLocalId
    else
      copy[i + 1] = fields[i + 1]
    end
  end
  return copy
end

local sessionKey = around(SESSIONS, tag) .. localId
local session = redis.call('HGETALL', sessionKey)
local user = redis.call('HGETALL', around(USER, tag))
if #session == 0 or #user == 0 then return redis.error_reply('template session ' .. tag .. localId .. ' is gone') end
local sessionEnd, userEnd = expiry(sessionKey), expiry(around(USER, tag))
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
for i = 13, #ARGV, 4 do
  local newTag, newLocalId, newUserId, secretHash = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local userKey = around(USER, newTag)
  local newSessionKey = around(SESSIONS, newTag) .. newLocalId
  redis.call('HSET', userKey, unpack(copyWith(user, ARGV[3], newUserId, newLocalId)))
  expireAt(userKey, userEnd)
  redis.call('HSET', newSessionKey, unpack(copyWith(session, ARGV[1], secretHash, newLocalId)))
  expireAt(newSessionKey, sessionEnd)
  if agent then
    local agentKey = around(AGENTS, newTag) .. agentRef
    redis.call('SET', agentKey, agent)
    expireAt(agentKey, agentEnd)
  end
  cloned = cloned + 1
end
return cloned
