--[[
  Binds a cookie session to the browser key that registered for it (DBSC): keeps the key beside the
  session and opens the first window its cookie is accepted in.
  KEYS[1] session hash
  ARGV[1] SHA-256 of the token's secret (first 16 bytes)   ARGV[2] the public key (a JWK, as JSON)
  ARGV[3] window length (ms)   ARGV[4] when the key is dropped at the latest (the session's absolute end, ms)
  Returns the window's end (ms); 0 when the session is gone or the secret is not its; -1 when the
  session is bound already, to a browser key or a DPoP key (a second registration must not replace the first).
]]
local session = readSession(KEYS[1])
if not session or session[SESSION.secretHash] ~= ARGV[1] then return 0 end
if session[SESSION.deviceBoundUntil] or session[SESSION.boundKey] then return -1 end
local boundUntil = nowMs() + tonumber(ARGV[3])
redis.call('SET', KEYS[1] .. DEVICE_KEY_SUFFIX, ARGV[2], 'PXAT', ARGV[4])
redis.call('HSET', KEYS[1], SESSION.deviceBoundUntil, boundUntil)
return boundUntil
