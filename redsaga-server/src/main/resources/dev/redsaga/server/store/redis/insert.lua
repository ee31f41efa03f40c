-- insertIfAbsent. KEYS: tx hash, due index, created index, index of the record's status, removed-gids hash.
-- ARGV: gid, createdAt, due ('' = none), then field/value pairs of the record.
-- Returns nothing when stored; the stored record (HGETALL) when the gid exists; {'removed', status} when the gid
-- belonged to a transaction that finished and was removed after the retention (a gid runs once).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HGETALL', KEYS[1])
end
local removed = redis.call('HGET', KEYS[5], ARGV[1])
if removed then
  return {'removed', removed}
end
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
return {}
