-- Sets or clears the anomaly flag of one series, unless a later score was applied already.
-- KEYS[1] flag key, KEYS[2] sorted set of flagged series.
-- ARGV[1] member (deviceId/sensor), ARGV[2] event time (ms), ARGV[3] 1 when flagged,
-- ARGV[4] JSON (starting with {"time":<ms>), ARGV[5] expiry as epoch ms.
local t = tonumber(ARGV[2])
local old = redis.call('GET', KEYS[1])
local oldTime = old and tonumber(string.match(old, '^{"time":(%-?%d+)'))
if oldTime and oldTime > t then
  return 0
end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], ARGV[4], 'PXAT', ARGV[5])
  redis.call('ZADD', KEYS[2], t, ARGV[1])
  return 1
end
if old then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
return 0
