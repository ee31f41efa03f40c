-- Compare-and-pexpire: extend the lease only while the lock still holds our token.
-- KEYS[1] lock key; ARGV[1] the acquisition's token, ARGV[2] lease time in ms.
-- Returns 1 when extended, 0 when the lock is gone or someone else's.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
