-- Acquire a lock and draw its fencing token, atomically.
-- KEYS[1] lock key, KEYS[2] fence counter (same {hash tag}, so the same cluster slot)
-- ARGV[1] the acquisition's unique token, ARGV[2] lease time in ms
-- Returns {fencing token, 0} when acquired; {0, PTTL of the current holder} when not.
-- The counter is incremented before the SET, so an error from INCR (say, the counter key holds a
-- non-integer) leaves nothing written. Within a script, EXISTS + SET is the same as SET NX.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('PTTL', KEYS[1])}
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {fence, 0}
