-- Gids whose barrier records were first written at least ARGV[1] seconds ago (Redis server time), oldest first.
-- KEYS[1] the counter's index of gids. ARGV[1] age in seconds, ARGV[2] limit.
local cutoff = tonumber(redis.call('TIME')[1]) - tonumber(ARGV[1])
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff, 'LIMIT', 0, tonumber(ARGV[2]))
