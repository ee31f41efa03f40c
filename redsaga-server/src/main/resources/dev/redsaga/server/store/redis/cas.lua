-- compareAndSet: writes the record only if its stored version is ARGV[2] (fencing), and moves it between the
-- status indexes and into the finished index with it.
-- KEYS: tx hash, due index, finished index.
-- ARGV: gid, expected version, due ('' = none: leave the index), finishedAt ('' = not finished), status index key
-- prefix, new status, createdAt, number of fields to delete, those field names, then field/value pairs to set.
local stored = redis.call('HMGET', KEYS[1], 'v', 'st')
if stored[1] ~= ARGV[2] then
  return 0
end
local ndel = tonumber(ARGV[8])
local i = 9
if ndel > 0 then
  local del = {}
  for j = 1, ndel do del[j] = ARGV[i]; i = i + 1 end
  redis.call('HDEL', KEYS[1], unpack(del))
end
local fields = {}
for j = i, #ARGV do fields[#fields + 1] = ARGV[j] end
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
if stored[2] ~= ARGV[6] then
  redis.call('ZREM', ARGV[5] .. stored[2], ARGV[1])
  redis.call('ZADD', ARGV[5] .. ARGV[6], ARGV[7], ARGV[1])
end
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
end
return 1
