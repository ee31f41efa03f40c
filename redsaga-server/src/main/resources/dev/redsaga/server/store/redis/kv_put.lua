-- putKv: writes a key-value pair only if its stored version is ARGV[2] ('0': only if absent), and indexes its key
-- in its category for the scans.
-- KEYS: the pair's hash, its category's index (a sorted set of keys, all at score 0: ordered by key).
-- ARGV: key, expected version, new version, value, createdAt, updatedAt.
local stored = redis.call('HGET', KEYS[1], 'ver')
if (stored or '0') ~= ARGV[2] then
  return 0
end
if ARGV[2] == '0' then
  redis.call('HSET', KEYS[1], 'ver', ARGV[3], 'v', ARGV[4], 'c', ARGV[5], 'u', ARGV[6])
  redis.call('ZADD', KEYS[2], 0, ARGV[1])
else
  redis.call('HSET', KEYS[1], 'ver', ARGV[3], 'v', ARGV[4], 'u', ARGV[6])
end
return 1
