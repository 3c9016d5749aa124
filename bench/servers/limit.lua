--[[
  The floor of an opaque-token design: read the session hash and slide its expiry, nothing else.
  KEYS[1] session hash   ARGV[1] idle timeout (ms)
  Returns the hash as field, value, ... (empty when there is no session).
]]
local fields = redis.call('HGETALL', KEYS[1])
if #fields > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return fields
