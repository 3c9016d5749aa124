--[[
  Notes that a device signed in as the user, keeping only the most recent ones. Each known device
  is a field of the user hash, `<prefix><digest>` -> its last login (ms): a few short fields keep the
  hash a listpack, where a set of its own would cost a key. A user whose last login is older than
  the memory of devices has none left.
  KEYS[1] user hash   KEYS[2] the user's known devices as kept before (a sorted set by login ms;
  adopted, then deleted)
  ARGV[1] the device's digest   ARGV[2] how many devices to keep   ARGV[3] how long devices are
  remembered after the user's last login (ms)   ARGV[4] prefix of a known device's field
  Returns 1 when the device was not known, 0 when it was.
]]
local prefix = ARGV[4]
local now = nowMs()
local digestLength = #ARGV[1]
local legacy = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #legacy, 2 do
  -- The digests were longer then; the same hash's first characters name the device now.
  redis.call('HSET', KEYS[1], prefix .. string.sub(legacy[i], 1, digestLength), legacy[i + 1])
end
if #legacy > 0 then redis.call('DEL', KEYS[2]) end

local devices = {}
local lastLogin = 0
local raw = redis.call('HGETALL', KEYS[1])
for i = 1, #raw, 2 do
  if string.sub(raw[i], 1, #prefix) == prefix then
    local at = tonumber(raw[i + 1])
    devices[#devices + 1] = {field = raw[i], at = at}
    lastLogin = math.max(lastLogin, at)
  end
end
local field = prefix .. ARGV[1]
local known = 0
if now - lastLogin >= tonumber(ARGV[3]) then
  for _, device in ipairs(devices) do redis.call('HDEL', KEYS[1], device.field) end
  devices = {}
end
local others = {}
for _, device in ipairs(devices) do
  if device.field == field then known = 1 else others[#others + 1] = device end
end
redis.call('HSET', KEYS[1], field, now)
-- The device signing in now stays; of the others, those whose last login is oldest go first.
local excess = #others + 1 - tonumber(ARGV[2])
if excess > 0 then
  table.sort(others, function(a, b) return a.at < b.at end)
  for i = 1, excess do redis.call('HDEL', KEYS[1], others[i].field) end
end
return 1 - known
