-- insertIfAbsent. KEYS: tx hash, due index, created index. ARGV: gid, createdAt, due ('' = none), then
-- field/value pairs of the record. Returns nothing when stored, the stored record (HGETALL) when the gid exists.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HGETALL', KEYS[1])
end
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return {}
