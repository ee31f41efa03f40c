-- The retention, on one shard: removes transactions finished at or before ARGV[1] with their index entries, and
-- remembers each gid with its final status so it is never accepted again.
-- KEYS: finished index, created index, removed-gids hash. ARGV: cutoff, limit, tx key prefix, status index prefix.
-- Returns how many it removed.
local gids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, gid in ipairs(gids) do
  local key = ARGV[3] .. gid
  local st = redis.call('HGET', key, 'st')
  if st then
    redis.call('HSET', KEYS[3], gid, st)
    redis.call('ZREM', ARGV[4] .. st, gid)
    redis.call('DEL', key)
  end
  redis.call('ZREM', KEYS[2], gid)
  redis.call('ZREM', KEYS[1], gid)
end
return #gids
