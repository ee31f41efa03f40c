-- Deletes the barrier records of the gids in ARGV[2..]. KEYS[1] the counter's index of gids; ARGV[1] the prefix of
-- the per-gid barrier hashes (same hash tag as KEYS[1]).
local n = 0
for i = 2, #ARGV do
  n = n + redis.call('DEL', ARGV[1] .. ARGV[i])
  redis.call('ZREM', KEYS[1], ARGV[i])
end
return n
