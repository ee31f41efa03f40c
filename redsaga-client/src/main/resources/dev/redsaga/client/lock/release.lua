-- Compare-and-delete: delete the lock only while it still holds our token.
-- KEYS[1] lock key; ARGV[1] the acquisition's token. Returns 1 when deleted, 0 when not ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
