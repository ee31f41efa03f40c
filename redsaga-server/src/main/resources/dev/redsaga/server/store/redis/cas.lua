-- compareAndSet: writes the record only if its stored version is ARGV[2] (fencing).
-- KEYS: tx hash, due index. ARGV: gid, expected version, due ('' = none: leave the index), retention seconds
-- ('' = keep forever), number of fields to delete, those field names, then field/value pairs to set.
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[2] then
  return 0
end
local ndel = tonumber(ARGV[5])
local i = 6
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
if ARGV[4] ~= '' then
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
end
return 1
