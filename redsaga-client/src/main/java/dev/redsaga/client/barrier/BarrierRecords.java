package dev.redsaga.client.barrier;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * The records a barrier keeps, as the retention sees them: which gids have records, and deleting all records of a
 * gid. Get one from {@link JdbcBarrier#records} or {@link RedisBarrier#records}; {@link BarrierRetention} decides
 * which gids may go.
 */
public interface BarrierRecords {

    /**
     * Gids whose first barrier record was written at least {@code age} ago by the database's own clock, oldest
     * first.
     */
    List<String> gidsOlderThan(Duration age, int limit);

    /** Deletes every barrier record of these gids. */
    void delete(Collection<String> gids);
}
