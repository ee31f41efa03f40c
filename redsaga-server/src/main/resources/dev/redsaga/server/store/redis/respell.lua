-- Rewrites, on one shard, success as earlier builds spelled it ('succeeded') into DTM's spelling ('succeed'):
-- moves up to ARGV[2] entries of the old status index into the new one, and the status field of their hashes.
-- KEYS: the old status index, the new one. ARGV: tx key prefix, limit. Returns how many it moved.
local entries = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
for i = 1, #entries, 2 do
  local gid = entries[i]
  redis.call('ZADD', KEYS[2], entries[i + 1], gid)
  local key = ARGV[1] .. gid
  if redis.call('HGET', key, 'st') == 'succeeded' then
    redis.call('HSET', key, 'st', 'succeed')
  end
  redis.call('ZREM', KEYS[1], gid)
end
return #entries / 2
