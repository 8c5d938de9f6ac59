-- Writes hash fields whose value is newer than the stored one, then renews the key's expiry.
-- KEYS[1] hash; ARGV[1] expiry in ms (0: none); then per field: name, time (epoch ms), JSON value.
-- Values are JSON objects that start with {"time":<ms>, which is what older ones are compared on;
-- an equal time overwrites, so a replay rewrites the same value.
local key = KEYS[1]
local written = 0
for i = 2, #ARGV, 3 do
  local t = tonumber(ARGV[i + 1])
  local old = redis.call('HGET', key, ARGV[i])
  local oldTime = old and tonumber(string.match(old, '^{"time":(%-?%d+)'))
  if not oldTime or oldTime <= t then
    redis.call('HSET', key, ARGV[i], ARGV[i + 2])
    written = written + 1
  end
end
local ttl = tonumber(ARGV[1])
if ttl > 0 then
  redis.call('PEXPIRE', key, ttl)
end
return written
