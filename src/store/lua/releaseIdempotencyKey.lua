--[[
  Lets go of an Idempotency-Key whose request did not succeed, so the client may send it again;
  only while the key still holds this request's lease (a later request's claim is left alone).
  KEYS[1] idempotency key   KEYS[2] the caller's index of keys   ARGV[1] the lease value the request wrote
  Returns 1 when the key was released, 0 otherwise.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], KEYS[1])
return 1
