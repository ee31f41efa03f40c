package dev.redsaga.chaos;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What a chaos scenario does to the cluster while the load runs. Each fault is a loop that acts, waits, and acts
 * again until the fault phase ends; {@link #MIXED} runs them all at once.
 */
enum Scenario {
    KILL_COORDINATOR("kill -9 of a random coordinator every second it is up, restarted 0.5 s later on the same "
            + "port"),
    PAUSE_COORDINATOR("SIGSTOP of a coordinator while it drives sagas, for its lease + 1.5 s, then SIGCONT: its "
            + "late writes must be refused"),
    RESTART_SERVICES("kill -9 of the order/stock services every 3 s, restarted 0.5 s later on their data"),
    RESTART_REDIS("kill -9 of redis-server (AOF, appendfsync always) every 3 s, restarted 0.5 s later "
            + "(Redis store only)"),
    NETWORK("between coordinators and services: latency up to 30 ms per chunk, 2% of chunks reset, "
            + "1% of requests black-holed"),
    OUT_OF_MEMORY("a random coordinator sent 400 requests of 1 MB that stop short of their end, until its "
            + Node.HEAP + " heap runs out and it exits (-XX:+ExitOnOutOfMemoryError, as the launcher runs it); "
            + "restarted 0.5 s later"),
    MIXED("the kills, pauses, restarts and network faults above, all at once");

    static final FaultProxy.Faults NETWORK_FAULTS = new FaultProxy.Faults(30, 0.02, 0.01);

    private final String description;

    Scenario(String description) {
        this.description = description;
    }

    String wire() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    String description() {
        return description;
    }

    static Scenario parse(String s) {
        for (Scenario v : values()) {
            if (v.wire().equalsIgnoreCase(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + s + "': use one of "
                + String.join(", ", java.util.Arrays.stream(values()).map(Scenario::wire).toList()));
    }

    boolean appliesTo(Cluster.StoreKind store) {
        return this != RESTART_REDIS || store == Cluster.StoreKind.REDIS;
    }

    /** The fault loops of this scenario on {@code cluster}. */
    List<Fault> faults(Cluster cluster, long leaseMs) {
        return switch (this) {
            case KILL_COORDINATOR -> List.of(killCoordinator(cluster));
            case PAUSE_COORDINATOR -> List.of(pauseCoordinator(cluster, leaseMs));
            case RESTART_SERVICES -> List.of(restart(cluster.services(), 3_000));
            case RESTART_REDIS -> List.of(restart(cluster.redis(), 3_000));
            case NETWORK -> List.of();
            case OUT_OF_MEMORY -> List.of(new Fault(1_000, random -> {
                Node n = anyCoordinator(cluster, random);
                OutOfMemory.flood(n);
                Thread.sleep(500);
                n.ensureStarted();
            }));
            case MIXED -> {
                var all = new java.util.ArrayList<>(List.of(killCoordinator(cluster),
                        pauseCoordinator(cluster, leaseMs), restart(cluster.services(), 3_000)));
                if (cluster.redis() != null) {
                    all.add(restart(cluster.redis(), 3_000));
                }
                yield List.copyOf(all);
            }
        };
    }

    boolean networkFaults() {
        return this == NETWORK || this == MIXED;
    }

    /** One kind of fault: {@code action} injects it once, after a wait of {@code pauseMs}, over and over. */
    record Fault(long pauseMs, Action action) {
        interface Action {
            void inject(SplittableRandom random) throws Exception;
        }
    }

    private static Fault killCoordinator(Cluster cluster) {
        return new Fault(1_000, random -> {
            Node n = anyCoordinator(cluster, random);
            n.kill9();
            Thread.sleep(500);
            n.ensureStarted();
        });
    }

    private static Fault pauseCoordinator(Cluster cluster, long leaseMs) {
        return new Fault(1_000, random -> {
            Node n = drivingCoordinator(cluster, random);
            n.pause();
            Thread.sleep(leaseMs + 1_500);
            n.resume();
        });
    }

    private static Fault restart(Node node, long everyMs) {
        return new Fault(everyMs, random -> {
            node.kill9();
            Thread.sleep(500);
            node.ensureStarted();
        });
    }

    /**
     * A coordinator caught driving sagas (its drives gauge above 0), looked for during at most 2 s; else a random
     * one. A pause of one with nothing in flight shows nothing: no write of it comes late.
     */
    private static Node drivingCoordinator(Cluster cluster, SplittableRandom random) throws InterruptedException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        List<Node> all = cluster.coordinators();
        while (System.nanoTime() < deadline) {
            int start = random.nextInt(all.size());
            for (int i = 0; i < all.size(); i++) {
                Node n = all.get((start + i) % all.size());
                if (n.isUp() && DriveGauge.read(n.ports().getFirst()) > 0) {
                    return n;
                }
            }
            Thread.sleep(10);
        }
        return anyCoordinator(cluster, random);
    }

    private static Node anyCoordinator(Cluster cluster, SplittableRandom random) {
        return cluster.coordinators().get(random.nextInt(cluster.coordinators().size()));
    }
}
