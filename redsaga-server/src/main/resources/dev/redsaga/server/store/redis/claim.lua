-- claimDue on one shard. KEYS: due index of the shard. ARGV: now, owner, leaseUntil, limit, tx key prefix.
-- Each due, unfinished transaction gets owner, due = leaseUntil, version + 1, in this one atomic script.
-- Returns the claimed records, each as its HGETALL after the claim.
local gids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, gid in ipairs(gids) do
  local key = ARGV[5] .. gid
  local st = redis.call('HGET', key, 'st')
  -- 'succeeded': success as earlier builds spelled it
  if not st or st == 'succeed' or st == 'succeeded' or st == 'failed' then
    redis.call('ZREM', KEYS[1], gid)
  else
    local v = tonumber(redis.call('HGET', key, 'v')) + 1
    redis.call('HSET', key, 'own', ARGV[2], 'due', ARGV[3], 'v', tostring(v), 'ua', ARGV[1])
    redis.call('ZADD', KEYS[1], ARGV[3], gid)
    out[#out + 1] = redis.call('HGETALL', key)
  end
end
return out
