--[[
  Sets one attribute of a live session, on its own field: concurrent requests setting different
  attributes both persist (no read-modify-write of a whole blob), and an ended session is never
  brought back without a TTL.
  KEYS[1] session hash
  ARGV[1] attribute field   ARGV[2] JSON value   ARGV[3] most attributes a session may carry
  ARGV[4] '1' to set only when the attribute is absent
  Returns 1 when set, 0 when the session is gone, -1 when it already carries the most attributes,
  or, with ARGV[4] '1', the JSON value already there (so concurrent first writers agree).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[4] == '1' then
  local current = redis.call('HGET', KEYS[1], ARGV[1])
  if current then return current end
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  local count = 0
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(field, 1, #ATTRIBUTE_PREFIX) == ATTRIBUTE_PREFIX then count = count + 1 end
  end
  if count >= tonumber(ARGV[3]) then return -1 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
