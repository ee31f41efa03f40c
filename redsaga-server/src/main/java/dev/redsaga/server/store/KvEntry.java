package dev.redsaga.server.store;

/**
 * One key-value pair (DTM's KV), e.g. a topic and its subscribers. The store reads only its category, key and
 * version; the value is opaque here.
 *
 * @param cat       its category, e.g. {@code topics}
 * @param key       its key within the category, e.g. a topic's name
 * @param value     its value (JSON for a topic: the subscribers)
 * @param version   1 when created, incremented by every write; writes compare-and-set on it
 * @param createdAt epoch ms of its creation
 * @param updatedAt epoch ms of its last write
 */
public record KvEntry(String cat, String key, String value, long version, long createdAt, long updatedAt) {

    /** The next version of this pair, holding {@code newValue}. */
    public KvEntry next(String newValue, long now) {
        return new KvEntry(cat, key, newValue, version + 1, createdAt, now);
    }
}
