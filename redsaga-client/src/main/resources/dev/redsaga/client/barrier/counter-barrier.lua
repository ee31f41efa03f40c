-- The sub-transaction barrier and a counter change, atomically (one script, one slot).
-- KEYS[1] business counter, KEYS[2] barrier hash of this gid (fields '<branch>:<op>'), KEYS[3] the counter's index
-- of gids with barrier records (scored by when first seen, Redis server time, for the retention)
-- ARGV[1] '1' if this op is a compensation, ARGV[2] field of the origin op, ARGV[3] field of this op, ARGV[4] amount,
-- ARGV[5] 'decr' (only if the counter holds at least the amount) or 'incr', ARGV[6] this op's name, ARGV[7] gid
-- The records never expire: they go only when the retention deletes a gid its coordinator reports finished.
redis.call('ZADD', KEYS[3], 'NX', redis.call('TIME')[1], ARGV[7])
if ARGV[1] == '1' then
  local originAdded = redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[6])
  local opAdded = redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[6])
  if originAdded == 1 then
    return 'EMPTY'      -- the action never ran; its record now refuses it if it arrives late
  end
  if opAdded == 0 then
    return 'DUPLICATE'
  end
else
  if redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[6]) == 0 then
    return 'DUPLICATE'  -- a repeat, or an action arriving after its compensation
  end
end
local n = tonumber(ARGV[4])
if ARGV[5] == 'decr' then
  local current = tonumber(redis.call('GET', KEYS[1]) or '0')
  if current < n then
    redis.call('HDEL', KEYS[2], ARGV[3]) -- business failure: the record goes with it, so a retry can run
    return 'FAILURE'
  end
  redis.call('DECRBY', KEYS[1], n)
else
  redis.call('INCRBY', KEYS[1], n)
end
return 'SUCCESS'
