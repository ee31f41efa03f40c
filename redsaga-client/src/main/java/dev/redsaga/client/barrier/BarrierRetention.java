package dev.redsaga.client.barrier;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.RedsagaException;
import dev.redsaga.protocol.TransView;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes barrier records that no request can need any more, and only those: the records of a gid whose transaction
 * the coordinator reports finished at least {@code keep} ago. The records of an unfinished transaction stay however
 * old they are (the coordinator retries a compensation until it succeeds, and the compensation needs its action's
 * record), and so do those of a gid the coordinator does not know.
 *
 * <pre>{@code
 * BarrierRetention retention = BarrierRetention.of(client);               // keep: 1 day after the finish
 * scheduler.scheduleWithFixedDelay(() -> retention.purge(barrier.records(dataSource)), 1, 1, TimeUnit.HOURS);
 * }</pre>
 *
 * <p>Why wait after the finish at all: a request the coordinator sent before the transaction finished can still be
 * on its way (queued in a proxy or in the service). While the records exist, such a straggler is refused as a
 * duplicate or as a hanging action; after they are gone it would run. Keep {@code keep} far above any delay a
 * request can see between the coordinator and the service. Run the retention more often than the coordinator's own
 * retention (7 days on Redis): a gid the coordinator has removed is unknown to it, and its records then stay.
 */
public final class BarrierRetention {
    public static final Duration DEFAULT_KEEP = Duration.ofDays(1);
    public static final int DEFAULT_BATCH = 200;

    private final RedsagaClient coordinator;
    private final Duration keep;
    private final int batch;
    private final InstantSource clock;

    private BarrierRetention(RedsagaClient coordinator, Duration keep, int batch, InstantSource clock) {
        if (coordinator == null) {
            throw new IllegalArgumentException("coordinator is required");
        }
        if (keep == null || keep.isNegative()) {
            throw new IllegalArgumentException("keep must be zero or more, was " + keep);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, was " + batch);
        }
        this.coordinator = coordinator;
        this.keep = keep;
        this.batch = batch;
        this.clock = clock;
    }

    /** A retention asking {@code coordinator}, keeping records {@link #DEFAULT_KEEP} after their transaction ends. */
    public static BarrierRetention of(RedsagaClient coordinator) {
        return new BarrierRetention(coordinator, DEFAULT_KEEP, DEFAULT_BATCH, InstantSource.system());
    }

    /** How long after its transaction finished a gid's records are kept. */
    public BarrierRetention keep(Duration keep) {
        return new BarrierRetention(coordinator, keep, batch, clock);
    }

    /** How many gids one {@link #purge} looks at, oldest first. */
    public BarrierRetention batch(int batch) {
        return new BarrierRetention(coordinator, keep, batch, clock);
    }

    /** What one pass did. */
    public record Pass(int examined, int deleted, int unfinished, int unknown) {
    }

    /**
     * One pass: asks the coordinator about the oldest gids with records at least {@code keep} old, and deletes the
     * records of those it reports finished at least {@code keep} ago.
     *
     * @throws RedsagaException if the coordinator cannot be asked (nothing is deleted for the gids not yet asked)
     */
    public Pass purge(BarrierRecords records) {
        List<String> candidates = records.gidsOlderThan(keep, batch);
        Instant finishedBefore = clock.instant().minus(keep);
        List<String> done = new ArrayList<>();
        int unfinished = 0;
        int unknown = 0;
        for (String gid : candidates) {
            TransView t = coordinator.query(gid).transaction();
            if (t == null) {
                unknown++;
            } else if (t.status().isTerminal() && t.finishTime() != null
                    && !Instant.parse(t.finishTime()).isAfter(finishedBefore)) {
                done.add(gid);
            } else {
                unfinished++;
            }
        }
        records.delete(done);
        return new Pass(candidates.size(), done.size(), unfinished, unknown);
    }
}
