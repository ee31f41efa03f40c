-- deleteKv: removes a key-value pair and its key from its category's index.
-- KEYS: the pair's hash, its category's index. ARGV: key.
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[1])
