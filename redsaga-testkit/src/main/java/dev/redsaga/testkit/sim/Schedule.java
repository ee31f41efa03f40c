package dev.redsaga.testkit.sim;

import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.config.BranchUrlPolicy;
import dev.redsaga.server.engine.DriveListener;
import dev.redsaga.server.engine.EngineMutant;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.engine.SagaEngine;
import dev.redsaga.server.service.RequestException;
import dev.redsaga.server.service.TransactionService;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.testkit.SimScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One seeded schedule: a few sagas submitted to two coordinator instances sharing one store, under a random
 * schedule of network, service, store and process faults; then the faults heal, the world runs on until every
 * transaction has ended (or a bound of simulated time passes), and the invariants are checked against the store
 * and the services' database. The same seed gives the same run.
 */
final class Schedule {
    private static final long FAULTS_FOR_MS = 20_000;
    private static final long SETTLE_BOUND_MS = 300_000;
    /** After the last transaction ended, stragglers (late and duplicate deliveries) still land for this long. */
    private static final long STRAGGLERS_MS = 10_000;
    private static final EngineOptions ENGINE = new EngineOptions(1_000, 500, 4_000, 3_000, 50, 500, 1_000);
    private static final int NODES = 2;

    private final long seed;
    private final Mutant mutant;
    private final boolean lostWrites;
    private final World world;
    private final SimStore store;
    private final Coordinator[] nodes = new Coordinator[NODES];
    private final List<Saga> sagas = new ArrayList<>();
    private final long start;

    /** One saga of the workload and what its client was told. */
    private static final class Saga {
        final TransRequest request;
        final boolean prepareFirst;
        boolean acknowledged;
        boolean submitDone;

        Saga(TransRequest request, boolean prepareFirst) {
            this.request = request;
            this.prepareFirst = prepareFirst;
        }

        String gid() {
            return request.gid();
        }
    }

    /** One coordinator process: its node (clock, events) and, while it is up, its engine and service. */
    private final class Coordinator {
        final SimScheduler.Node node;
        int incarnation;
        SagaEngine engine;
        TransactionService service;
        boolean up;

        Coordinator(String name) {
            this.node = world.sched.node(name);
        }

        void boot() {
            incarnation++;
            FaultyStoreView view = new FaultyStoreView(store, world);
            Set<EngineMutant> engineMutants = mutant != null && mutant.engine() != null
                    ? Set.of(mutant.engine()) : Set.of();
            engine = SagaEngine.withMutants(view, world.transport(node), ENGINE, node, world.random.split(), node,
                    node.name() + "#" + incarnation, new DriveListener() { }, engineMutants);
            service = new TransactionService(view, engine, BranchUrlPolicy.defaults());
            engine.start();
            up = true;
            world.trace(node + " up as " + node.name() + "#" + incarnation);
        }

        void crash() {
            node.crash();
            engine = null;
            service = null;
            up = false;
            world.trace(node + " crashed");
        }
    }

    Schedule(long seed, Mutant mutant, boolean lostWrites, Participants participants, boolean tracing) {
        this.seed = seed;
        this.mutant = mutant;
        this.lostWrites = lostWrites;
        this.world = new World(seed, participants, tracing);
        this.store = new SimStore(mutant, world::trace, world.sched::now);
        this.start = world.sched.now();
    }

    /** Runs the schedule and checks it; the result lists every violation found. */
    ScheduleResult run() {
        try {
            return runChecked();
        } catch (RuntimeException e) {
            // an exception escaping the engine into the event loop is a finding too
            List<String> v = List.of("unexpected " + e + " at simulated " + (world.sched.now() - start) + " ms");
            return new ScheduleResult(seed, v, world.faults(), world.sched.executed(), world.trace());
        }
    }

    private ScheduleResult runChecked() {
        world.participants.reset();
        for (int i = 0; i < NODES; i++) {
            nodes[i] = new Coordinator("c" + (i + 1));
            nodes[i].boot();
        }
        planWorkload();
        planProcessFaults();
        world.sched.at(start + FAULTS_FOR_MS, null, world::heal);
        world.sched.runUntil(start + FAULTS_FOR_MS);
        for (Coordinator c : nodes) {
            if (!c.up) {
                c.boot();
            }
        }
        long settled = -1;
        long end = start + FAULTS_FOR_MS + SETTLE_BOUND_MS;
        for (long t = start + FAULTS_FOR_MS; t < end; t += 2_000) {
            world.sched.runUntil(t + 2_000);
            if (allClientsDone() && allEnded()) {
                settled = world.sched.now();
                break;
            }
        }
        if (settled >= 0) {
            world.sched.runUntil(settled + STRAGGLERS_MS);
        }
        return check();
    }

    private void planWorkload() {
        int count = 1 + world.random.nextInt(3);
        for (int i = 0; i < count; i++) {
            int steps = 1 + world.random.nextInt(3);
            String gid = "s" + Long.toString(seed, 36) + "-" + i;
            List<SagaStep> list = new ArrayList<>();
            List<String> payloads = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                list.add(new SagaStep("http://svc" + s + ".sim/act", "http://svc" + s + ".sim/undo"));
                payloads.add("{}");
            }
            boolean prepareFirst = world.random.nextInt(5) == 0;
            Long timeoutToFail = prepareFirst || world.random.nextInt(4) == 0 ? 10L + world.random.nextInt(20) : null;
            Long retryLimit = world.random.nextInt(3) == 0 ? (long) world.random.nextInt(3) : null;
            // a quarter run their steps concurrently, in a random dependency order (step j may wait for i < j)
            boolean concurrent = steps > 1 && world.random.nextInt(4) == 0;
            String orders = null;
            if (concurrent) {
                StringBuilder o = new StringBuilder();
                for (int s = 1; s < steps; s++) {
                    if (world.random.nextBoolean()) {
                        o.append(o.isEmpty() ? "" : ",").append('"').append(s).append("\":[")
                                .append(world.random.nextInt(s)).append(']');
                    }
                }
                orders = "{\"orders\":{" + o + "},\"concurrent\":true}";
            }
            TransRequest req = new TransRequest(gid, "saga", list, payloads, null, timeoutToFail, null, null,
                    retryLimit, null, concurrent ? Boolean.TRUE : null, orders);
            SagaDefinition.parse(req, ENGINE); // a bad workload is the simulator's bug: fail loudly here
            Saga saga = new Saga(req, prepareFirst);
            sagas.add(saga);
            long at = start + world.random.nextLong(5_000);
            if (prepareFirst) {
                world.sched.at(at, null, () -> send(saga, "prepare", 0));
            } else {
                world.sched.at(at, null, () -> send(saga, "submit", 0));
            }
            if (world.random.nextInt(5) == 0) {
                world.sched.at(at + world.random.nextLong(8_000), null, () -> {
                    world.count(World.Fault.ABORT);
                    send(saga, "abort", 0);
                });
            }
        }
    }

    /**
     * A client request to a random coordinator that is up. Refused or unanswered ones are sent again, with the same
     * gid and body, as the protocol tells a client to; an abort is sent once.
     */
    private void send(Saga saga, String what, int attempt) {
        if (attempt > 40) {
            return;
        }
        Coordinator c = nodes[world.random.nextInt(NODES)];
        if (!c.up) {
            world.sched.at(world.sched.now() + 1_000, null, () -> send(saga, what, attempt + 1));
            return;
        }
        boolean[] answered = {false};
        c.node.execute(() -> {
            answered[0] = true;
            try {
                switch (what) {
                    case "prepare" -> {
                        c.service.prepare(saga.request);
                        world.trace(saga.gid() + " prepared via " + c.node);
                        world.sched.at(world.sched.now() + 500 + world.random.nextLong(4_000), null,
                                () -> send(saga, "submit", 0));
                    }
                    case "submit" -> {
                        c.service.submit(saga.request);
                        saga.acknowledged = true;
                        world.trace(saga.gid() + " submit acknowledged by " + c.node);
                    }
                    default -> {
                        c.service.abort(saga.gid(), null);
                        world.trace(saga.gid() + " abort accepted by " + c.node);
                    }
                }
                if (!"prepare".equals(what)) {
                    saga.submitDone |= "submit".equals(what);
                }
            } catch (RequestException | StoreException e) {
                world.trace(saga.gid() + " " + what + " refused by " + c.node + ": " + e.getMessage());
                if ("abort".equals(what)) {
                    return;
                }
                if (e instanceof RequestException r && r.kind() != RequestException.Kind.UNAVAILABLE
                        && r.kind() != RequestException.Kind.OUTCOME_UNKNOWN && r.kind() != RequestException.Kind.BUSY) {
                    // prepared and then aborted or timed out: the submit is refused for good
                    saga.submitDone = true;
                    return;
                }
                world.sched.at(world.sched.now() + 1_000, null, () -> send(saga, what, attempt + 1));
            }
        });
        // a request to a process that crashes first is never answered: the client tries again
        world.sched.at(world.sched.now() + 3_000, null, () -> {
            if (!answered[0]) {
                send(saga, what, attempt + 1);
            }
        });
    }

    private void planProcessFaults() {
        if (lostWrites && world.random.nextInt(3) > 0) {
            // the store restarts without the writes of its last second (Redis with appendfsync everysec), or a
            // failover promotes a replica that had not received them
            long at = start + 500 + world.random.nextLong(FAULTS_FOR_MS - 500);
            world.sched.at(at, null, () -> {
                long window = 1 + world.random.nextLong(1_000);
                int lost = store.loseWritesSince(world.sched.now() - window);
                world.count(World.Fault.LOST_WRITES);
                world.trace("the store lost its last " + window + " ms: " + lost + " writes");
            });
        }
        for (Coordinator c : nodes) {
            // process faults land mostly while the sagas run (submitted in the first 5 s), some later
            if (world.random.nextInt(2) == 0) {
                long at = start + world.random.nextLong(world.random.nextBoolean() ? 8_000 : FAULTS_FOR_MS - 4_000);
                world.sched.at(at, null, () -> {
                    if (c.up && world.faulty()) {
                        world.count(World.Fault.CRASH);
                        c.crash();
                        world.sched.at(world.sched.now() + 500 + world.random.nextLong(3_000), null, () -> {
                            if (!c.up) {
                                c.boot();
                            }
                        });
                    }
                });
            }
            if (world.random.nextInt(3) == 0) {
                long at = start + world.random.nextLong(world.random.nextBoolean() ? 8_000 : FAULTS_FOR_MS - 8_000);
                world.sched.at(at, null, () -> {
                    if (world.faulty()) {
                        world.count(World.Fault.PAUSE);
                        long until = world.sched.now() + 3_000 + world.random.nextLong(4_000);
                        world.trace(c.node + " paused until " + (until - start) + " ms");
                        c.node.pauseUntil(until);
                    }
                });
            }
            if (world.random.nextInt(5) == 0) {
                long at = start + world.random.nextLong(world.random.nextBoolean() ? 8_000 : FAULTS_FOR_MS);
                world.sched.at(at, null, () -> {
                    if (world.faulty()) {
                        world.count(World.Fault.CLOCK_JUMP);
                        long jump = world.random.nextLong(-4_000, 4_001);
                        world.trace(c.node + " clock jumps " + jump + " ms");
                        c.node.jumpClock(jump);
                    }
                });
            }
        }
    }

    private boolean allClientsDone() {
        for (Saga s : sagas) {
            if (!s.submitDone) {
                return false;
            }
        }
        return true;
    }

    private boolean allEnded() {
        for (Saga s : sagas) {
            var r = store.find(s.gid());
            if (r.isPresent() && !r.get().status().isTerminal()) {
                return false;
            }
        }
        return true;
    }

    private ScheduleResult check() {
        List<String> violations = new ArrayList<>();
        for (Saga s : sagas) {
            String gid = s.gid();
            TransactionRecord r = store.find(gid).orElse(null);
            Map<String, Integer> effects = world.participants.effects(gid);
            if (r == null) {
                if (s.acknowledged) {
                    violations.add(gid + ": acknowledged submit lost");
                }
                if (!effects.isEmpty()) {
                    violations.add(gid + ": never stored, yet a branch ran: " + effects);
                }
                continue;
            }
            if (!r.status().isTerminal()) {
                violations.add(gid + ": still " + r.status().wire() + " " + SETTLE_BOUND_MS / 1000
                        + " s after the faults healed");
                continue;
            }
            checkForward(gid, store.history(gid), violations);
            int steps = s.request.steps().size();
            for (int i = 0; i < steps; i++) {
                String branch = SagaDefinition.branchId(i);
                int actA = effects.getOrDefault(branch + "/action/a", 0);
                int actB = effects.getOrDefault(branch + "/action/b", 0);
                int compA = effects.getOrDefault(branch + "/compensate/a", 0);
                int compB = effects.getOrDefault(branch + "/compensate/b", 0);
                if (actA != actB || compA != compB) {
                    violations.add(gid + " branch " + branch + ": half-done business committed " + effects);
                }
                if (r.status() == TransStatus.SUCCEEDED && (actB != 1 || compB != 0)) {
                    violations.add(gid + " succeeded but branch " + branch + " has action x" + actB
                            + ", compensation x" + compB);
                }
                if (r.status() == TransStatus.FAILED && (actB != compB || actB > 1)) {
                    violations.add(gid + " failed but branch " + branch + " has action x" + actB
                            + ", compensation x" + compB + " (net effect not zero)");
                }
            }
        }
        return new ScheduleResult(seed, violations, world.faults(), world.sched.executed(), world.trace());
    }

    private static void checkForward(String gid, List<TransStatus> history, List<String> violations) {
        for (int i = 1; i < history.size(); i++) {
            TransStatus from = history.get(i - 1);
            TransStatus to = history.get(i);
            boolean ok = from == to || switch (from) {
                case PREPARED -> to == TransStatus.SUBMITTED || to == TransStatus.FAILED;
                case SUBMITTED -> to == TransStatus.ABORTING || to == TransStatus.SUCCEEDED
                        || to == TransStatus.FAILED;
                case ABORTING -> to == TransStatus.FAILED;
                case SUCCEEDED, FAILED -> false;
            };
            if (!ok) {
                violations.add(gid + ": state moved backwards, " + from.wire() + " -> " + to.wire() + " in "
                        + history);
                return;
            }
        }
    }
}
