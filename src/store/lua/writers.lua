--[[
  Helpers of the scripts that write sessions and refresh families, prepended after prelude.lua (whose
  names they use) to every script but touch.lua: the token check runs once per request, and every
  local function here is a closure Redis would build on each run (about 0.3 µs a check for these).
]]

-- Fields of a refresh family that its sessions inherit: when the password was last proven, and the
-- lifetimes of the login's kind.
local FAMILY_CARRIES = {[SESSION.authenticatedAt] = 'v', [SESSION.idleTimeout] = 'li', [SESSION.absoluteLifetime] = 'la'}

-- Moves a key's expiry to atMs unless it already lives longer.
local function extendTo(key, atMs)
  if redis.call('PEXPIRETIME', key) < atMs then
    redis.call('PEXPIREAT', key, atMs)
  end
end

-- Ends a refresh family: its hash and its set of spent refresh hashes.
local function endFamily(familyPrefix, familyId)
  redis.call('DEL', familyPrefix .. familyId, familyPrefix .. familyId .. SPENT_SUFFIX)
end

-- Ends the refresh family a session was minted by, if any (logout, revoke, eviction).
local function endFamilyOf(sessionKey, familyPrefix)
  local familyId = redis.call('HGET', sessionKey, SESSION.family)
  if familyId then endFamily(familyPrefix, familyId) end
end

--[[
  The one session write, for create and refresh: the hash (secret hash, generation, creation and
  `fields`, a table field -> value whose empty values are left out), its expiry and its index entry.
  A user agent comes packed (SESSION.packedUserAgent, store/userAgentCodec.ts) and stays in the
  session like any field. One that does not pack small (SESSION.userAgent) is kept once per user and
  agent, at agentPrefix .. a short hash of it, and the session holds that hash (SESSION.agent): in
  the session it would be longer than Redis's default hash-max-listpack-value (64 bytes), and turn
  the session hash from a compact listpack into a hashtable.
  Returns the session as a table, as readSession would.
]]
local function writeSession(key, userKey, localId, secretHash, generation, now, expires, fields, agentPrefix)
  local session = {[SESSION.secretHash] = secretHash, [SESSION.generation] = generation, [SESSION.created] = now}
  local record = {SESSION.secretHash, secretHash, SESSION.generation, generation, SESSION.created, now}
  local agent = fields[SESSION.userAgent]
  fields[SESSION.userAgent] = nil
  if agent and agent ~= '' then
    local ref = string.sub(redis.sha1hex(agent), 1, 10)
    redis.call('SET', agentPrefix .. ref, agent, 'NX')
    extendTo(agentPrefix .. ref, expires)
    fields[SESSION.agent] = ref
  end
  for name, value in pairs(fields) do
    if value ~= '' then
      session[name] = value
      record[#record + 1] = name
      record[#record + 1] = value
    end
  end
  redis.call('HSET', key, unpack(record))
  redis.call('PEXPIREAT', key, expires)
  redis.call('HSET', userKey, SEEN .. localId, now)
  return session
end
