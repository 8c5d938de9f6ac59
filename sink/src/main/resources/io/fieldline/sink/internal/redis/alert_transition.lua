-- Applies one alert transition to the active-alert set, unless a later one was applied already.
-- KEYS[1] active set, KEYS[2] details hash, KEYS[3] applied hash, KEYS[4..] more active sets (site, room).
-- ARGV[1] alert id, ARGV[2] event time (ms), ARGV[3] rank of the state (RAISED 1, ESCALATED 2, CLEARED 3),
-- ARGV[4] 1 when the alert is cleared, ARGV[5] JSON details.
-- Order: event time, then state rank, so replaying any older transition changes nothing.
local id = ARGV[1]
local t = tonumber(ARGV[2])
local rank = tonumber(ARGV[3])
local applied = redis.call('HGET', KEYS[3], id)
if applied then
  local at, ar = string.match(applied, '^(%-?%d+):(%d+)$')
  at, ar = tonumber(at), tonumber(ar)
  if at and (at > t or (at == t and ar > rank)) then
    return 0
  end
end
redis.call('HSET', KEYS[3], id, ARGV[2] .. ':' .. ARGV[3])
if ARGV[4] == '1' then
  redis.call('HDEL', KEYS[2], id)
  for k = 1, #KEYS do
    if k ~= 2 and k ~= 3 then redis.call('SREM', KEYS[k], id) end
  end
else
  redis.call('HSET', KEYS[2], id, ARGV[5])
  for k = 1, #KEYS do
    if k ~= 2 and k ~= 3 then redis.call('SADD', KEYS[k], id) end
  end
end
return 1
