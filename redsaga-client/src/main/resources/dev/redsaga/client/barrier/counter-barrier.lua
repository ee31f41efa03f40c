-- The sub-transaction barrier and a counter change, atomically (one script, one slot).
-- KEYS[1] business counter, KEYS[2] barrier key of the origin op, KEYS[3] barrier key of this op
-- ARGV[1] '1' if this op is a compensation, ARGV[2] barrier key TTL (s), ARGV[3] amount,
-- ARGV[4] 'decr' (only if the counter holds at least the amount) or 'incr', ARGV[5] this op's name
local ttl = tonumber(ARGV[2])
if ARGV[1] == '1' then
  local originAdded = redis.call('SET', KEYS[2], ARGV[5], 'NX', 'EX', ttl)
  local opAdded = redis.call('SET', KEYS[3], ARGV[5], 'NX', 'EX', ttl)
  if originAdded then
    return 'EMPTY'      -- the action never ran; its key now refuses it if it arrives late
  end
  if not opAdded then
    return 'DUPLICATE'
  end
else
  if not redis.call('SET', KEYS[3], ARGV[5], 'NX', 'EX', ttl) then
    return 'DUPLICATE'  -- a repeat, or an action arriving after its compensation
  end
end
local n = tonumber(ARGV[3])
if ARGV[4] == 'decr' then
  local current = tonumber(redis.call('GET', KEYS[1]) or '0')
  if current < n then
    redis.call('DEL', KEYS[3]) -- business failure: the barrier key goes with it, so a retry can run
    return 'FAILURE'
  end
  redis.call('DECRBY', KEYS[1], n)
else
  redis.call('INCRBY', KEYS[1], n)
end
return 'SUCCESS'
