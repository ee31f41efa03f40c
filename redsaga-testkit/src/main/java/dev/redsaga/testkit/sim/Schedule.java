package dev.redsaga.testkit.sim;

import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.BranchRegistration;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.SagaStep;
import dev.redsaga.protocol.TransRequest;
import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.config.BranchUrlPolicy;
import dev.redsaga.server.engine.BranchTransport;
import dev.redsaga.server.engine.DefinitionCodec;
import dev.redsaga.server.engine.DriveListener;
import dev.redsaga.server.engine.EngineOptions;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.engine.SagaEngine;
import dev.redsaga.server.service.RequestException;
import dev.redsaga.server.service.TransactionService;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionRecord;
import dev.redsaga.server.store.TransactionStore;
import dev.redsaga.testkit.SimScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One seeded schedule: a few sagas and TCC transactions sent to two coordinator instances sharing one store, under
 * a random schedule of network, service, store and process faults; then the faults heal, the world runs on until
 * every transaction has ended (or a bound of simulated time passes), and the invariants are checked against the
 * store and the services' database. The same seed gives the same run.
 *
 * <p>A TCC transaction's client (a node of its own, which does not crash but may give up half-way) prepares it,
 * registers each branch and calls its try over the same faulty network, then submits — or aborts after a try that
 * did not succeed. A message's client prepares it, runs its local transaction behind the barrier (which may refuse
 * or die half-way), then submits — or aborts when it rolled back — as the SDK's {@code doAndSubmitDb} does; it may
 * give up before its local transaction or between its commit and its submit, leaving the message to the back-check.
 */
final class Schedule {
    private static final long FAULTS_FOR_MS = 20_000;
    private static final long SETTLE_BOUND_MS = 300_000;
    /** After the last transaction ended, stragglers (late and duplicate deliveries) still land for this long. */
    private static final long STRAGGLERS_MS = 10_000;
    private static final EngineOptions ENGINE = EngineOptions.builder().defaultRequestTimeoutMs(1_000)
            .defaultRetryIntervalMs(500).retryCapMs(4_000).leaseMs(3_000).claimBatch(50).maxConcurrentDrives(1_000)
            .build();
    private static final int NODES = 2;

    private final long seed;
    private final Mutant mutant;
    private final boolean lostWrites;
    private final World world;
    private final SimStore store;
    private final Coordinator[] nodes = new Coordinator[NODES];
    private final List<Saga> sagas = new ArrayList<>();
    private final long start;
    /** Where TCC clients call their tries from. */
    private final SimScheduler.Node client;

    /** One transaction of the workload and what its client was told. */
    private static final class Saga {
        final TransRequest request;
        final boolean prepareFirst;
        /** For a TCC transaction, how many branches its client means to call; 0 for a saga. */
        final int tccBranches;
        boolean acknowledged;
        boolean submitDone;
        /** TCC: the branches whose try succeeded so far. */
        int triedBranches;
        /**
         * TCC: the branch whose registration or try is under way (-1: none). A request sent again because its answer
         * was late may be answered twice; the client acts on the first answer only, as one client process would.
         */
        int busyWith = -1;

        Saga(TransRequest request, boolean prepareFirst, int tccBranches) {
            this.request = request;
            this.prepareFirst = prepareFirst;
            this.tccBranches = tccBranches;
        }

        String gid() {
            return request.gid();
        }

        boolean isTcc() {
            return tccBranches > 0;
        }

        boolean isMsg() {
            return "msg".equals(request.transType());
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
            TransactionStore view = new FaultyStoreView(store, world);
            if (mutant == Mutant.COMPENSATE_BEFORE_ABORT_STORED) {
                view = new AbortKeptBackStore(view, store);
            }
            engine = new SagaEngine(view, world.transport(node), ENGINE, node, world.random.split(), node,
                    node.name() + "#" + incarnation, new DriveListener() { },
                    machine -> MutatedPlanner.wrap(machine, mutant));
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
        this.client = world.sched.node("client");
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
            int kind = world.random.nextInt(3);
            if (kind == 0) {
                planTcc("t" + Long.toString(seed, 36) + "-" + i);
                continue;
            }
            if (kind == 1 && world.random.nextBoolean()) {
                planMsg("m" + Long.toString(seed, 36) + "-" + i);
                continue;
            }
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
            Saga saga = new Saga(req, prepareFirst, 0);
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

    /** A TCC transaction: prepared at a random time; an abort from elsewhere (an operator) now and then. */
    private void planTcc(String gid) {
        int branches = 1 + world.random.nextInt(3);
        Long timeoutToFail = world.random.nextBoolean() ? 5L + world.random.nextInt(20) : null;
        TransRequest req = new TransRequest(gid, "tcc", null, null, null, timeoutToFail, null, null, null, null, null,
                null);
        SagaDefinition.parse(req, ENGINE);
        Saga saga = new Saga(req, true, branches);
        sagas.add(saga);
        long at = start + world.random.nextLong(5_000);
        world.sched.at(at, null, () -> send(saga, "prepare", 0));
        if (world.random.nextInt(6) == 0) {
            world.sched.at(at + world.random.nextLong(8_000), null, () -> {
                world.count(World.Fault.ABORT);
                send(saga, "abort", 0);
            });
        }
    }

    /** A message: prepared at a random time by its client, which then runs its local transaction. */
    private void planMsg(String gid) {
        int steps = 1 + world.random.nextInt(3);
        List<SagaStep> list = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            list.add(new SagaStep("http://svc" + s + ".sim/act", null));
            payloads.add("{}");
        }
        Long timeoutToFail = 5L + world.random.nextInt(20);
        boolean concurrent = steps > 1 && world.random.nextInt(4) == 0;
        String delay = world.random.nextInt(5) == 0 ? "{\"delay\":" + (1 + world.random.nextInt(3)) + "}" : null;
        TransRequest req = new TransRequest(gid, "msg", list, payloads, null, timeoutToFail, null, null, null, null,
                concurrent ? Boolean.TRUE : null, delay, "http://sender.sim/query-prepared");
        SagaDefinition.parse(req, ENGINE);
        Saga saga = new Saga(req, true, 0);
        sagas.add(saga);
        world.sched.at(start + world.random.nextLong(5_000), null, () -> send(saga, "prepare", 0));
    }

    /**
     * The message client's local transaction, once the prepare was acknowledged; then its submit or abort. A local
     * transaction that died half-way asks the barrier what became of it, as the SDK does.
     */
    private void msgLocal(Saga saga) {
        if (saga.busyWith == 0) {
            return; // a second answer to a prepare sent twice
        }
        saga.busyWith = 0;
        if (world.faulty() && world.random.nextInt(10) == 0) {
            world.count(World.Fault.CLIENT_GAVE_UP);
            world.trace(saga.gid() + " client gave up before its local transaction");
            saga.submitDone = true;
            return;
        }
        if (world.faulty() && world.random.nextInt(8) == 0) {
            // the sender stalls (a long pause) before its local transaction: the back-check may come first
            long stall = world.random.nextLong(30_000);
            world.count(World.Fault.PAUSE);
            world.trace(saga.gid() + " client stalls " + stall + " ms before its local transaction");
            world.sched.at(world.sched.now() + stall, null, () -> client.execute(() -> msgCommit(saga)));
            return;
        }
        msgCommit(saga);
    }

    private void msgCommit(Saga saga) {
        Participants.Behaviour behaviour = world.random.nextInt(8) == 0 ? Participants.Behaviour.REFUSE
                : world.faulty() && world.random.nextInt(20) == 0 ? Participants.Behaviour.DIE_HALF_WAY
                : Participants.Behaviour.NORMAL;
        Outcome local = world.participants.local(saga.gid(), behaviour);
        if (local == Outcome.TRANSIENT) {
            local = world.participants.queryPrepared(saga.gid());
        }
        world.trace(saga.gid() + " local transaction " + behaviour + " -> " + local);
        if (local != Outcome.SUCCESS) {
            saga.submitDone = true;
            send(saga, "abort", 0);
        } else if (world.faulty() && world.random.nextInt(10) == 0) {
            world.count(World.Fault.CLIENT_GAVE_UP);
            world.trace(saga.gid() + " client gave up between its commit and its submit");
            saga.submitDone = true;
        } else {
            send(saga, "submit", 0);
        }
    }

    /** The TCC client's next move: register and try the next branch, or submit once every try succeeded. */
    private void tccNext(Saga saga) {
        if (saga.submitDone) {
            return;
        }
        if (world.faulty() && world.random.nextInt(20) == 0) {
            // the client process dies half-way: the transaction's timeout cancels what it registered
            world.count(World.Fault.CLIENT_GAVE_UP);
            world.trace(saga.gid() + " client gave up after " + saga.triedBranches + " tries");
            saga.submitDone = true;
            return;
        }
        if (saga.triedBranches == saga.tccBranches) {
            send(saga, "submit", 0);
        } else if (saga.busyWith != saga.triedBranches) {
            saga.busyWith = saga.triedBranches;
            send(saga, "register", 0);
        }
    }

    /** The client calls a registered branch's try itself, over the same faulty network as the coordinators. */
    private void callTry(Saga saga, int index) {
        if (saga.submitDone || saga.triedBranches != index) {
            return; // a second answer to a registration sent twice
        }
        String branch = SagaDefinition.branchId(index);
        BranchTransport.Request tryCall = new BranchTransport.Request("http://svc" + index + ".sim/try",
                saga.gid(), "tcc", branch, BranchOp.TRY, "{}", Map.of(), ENGINE.defaultRequestTimeoutMs(), 0, 0, "", "", true);
        world.transport(client).call(tryCall).thenAccept(r -> {
            if (saga.submitDone || saga.triedBranches != index) {
                return;
            }
            if (r.outcome() == Outcome.SUCCESS) {
                saga.triedBranches++;
                world.trace(saga.gid() + " try " + branch + " succeeded");
                tccNext(saga);
            } else {
                // refused, or no answer: it may still land later (the barrier refuses it after the cancel)
                world.trace(saga.gid() + " try " + branch + " " + r.outcome() + ": the client aborts");
                saga.submitDone = true;
                send(saga, "abort", 0);
            }
        });
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
                        if (saga.isTcc()) {
                            client.execute(() -> tccNext(saga)); // a second answer finds the flow under way
                        } else if (saga.isMsg()) {
                            client.execute(() -> msgLocal(saga));
                        } else {
                            world.sched.at(world.sched.now() + 500 + world.random.nextLong(4_000), null,
                                    () -> send(saga, "submit", 0));
                        }
                    }
                    case "register" -> {
                        int i = saga.triedBranches;
                        c.service.registerBranch(new BranchRegistration(saga.gid(), "tcc", SagaDefinition.branchId(i),
                                "{}", "http://svc" + i + ".sim/confirm", "http://svc" + i + ".sim/cancel"));
                        world.trace(saga.gid() + " branch " + SagaDefinition.branchId(i) + " registered via " + c.node);
                        client.execute(() -> callTry(saga, i));
                        return; // not the submit
                    }
                    case "submit" -> {
                        c.service.submit(saga.request);
                        saga.acknowledged = true;
                        world.trace(saga.gid() + " submit acknowledged by " + c.node);
                    }
                    default -> {
                        // an operator's at a random moment; a message's client's after its local transaction rolled back
                        c.service.abort(saga.gid(), null, !saga.isMsg());
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
                if ("register".equals(what) && e instanceof RequestException r
                        && r.kind() == RequestException.Kind.CONFLICT) {
                    // no longer prepared (timed out, aborted): the client stops; the coordinator cancels
                    saga.submitDone = true;
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
                if (s.isMsg() && effects.getOrDefault("00/msg/b", 0) > 0) {
                    violations.add(gid + ": the local transaction committed, yet the message was never stored");
                }
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
            checkForward(gid, s.isTcc(), store.history(gid), violations);
            if (s.isTcc()) {
                checkTcc(s, r, effects, violations);
                continue;
            }
            if (s.isMsg()) {
                checkMsg(s, r, effects, store.history(gid), violations);
                continue;
            }
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

    /**
     * TCC: every branch's try, confirm and cancel whole (never half-done); succeeded — every registered branch tried
     * and confirmed once, never cancelled; failed — never confirmed, and cancelled exactly where the try took effect
     * (an empty cancel writes nothing, and a try arriving after it is refused); no effect of an unregistered branch.
     */
    private void checkTcc(Saga s, TransactionRecord r, Map<String, Integer> effects, List<String> violations) {
        String gid = s.gid();
        int registered = DefinitionCodec.decode(r.definition(), ENGINE).size();
        for (int i = 0; i < s.tccBranches; i++) {
            String branch = SagaDefinition.branchId(i);
            int[] a = new int[3];
            int[] b = new int[3];
            String[] ops = {"try", "confirm", "cancel"};
            for (int k = 0; k < 3; k++) {
                a[k] = effects.getOrDefault(branch + "/" + ops[k] + "/a", 0);
                b[k] = effects.getOrDefault(branch + "/" + ops[k] + "/b", 0);
                if (a[k] != b[k]) {
                    violations.add(gid + " branch " + branch + ": half-done " + ops[k] + " committed " + effects);
                }
            }
            if (i >= registered) {
                if (b[0] + b[1] + b[2] > 0) {
                    violations.add(gid + " branch " + branch + " was never registered, yet it has effects " + effects);
                }
                continue;
            }
            if (r.status() == TransStatus.SUCCEEDED && (b[0] != 1 || b[1] != 1 || b[2] != 0)) {
                violations.add(gid + " succeeded but branch " + branch + " has try x" + b[0] + ", confirm x" + b[1]
                        + ", cancel x" + b[2]);
            }
            if (r.status() == TransStatus.FAILED && (b[1] != 0 || b[0] != b[2] || b[0] > 1)) {
                violations.add(gid + " failed but branch " + branch + " has try x" + b[0] + ", confirm x" + b[1]
                        + ", cancel x" + b[2] + " (something stays reserved, or was confirmed)");
            }
        }
    }

    /**
     * A message: its local transaction whole; succeed exactly when it committed, and then every branch applied
     * exactly once; failed — it did not commit (and never will: the back-check's row refuses it) and no branch ran;
     * once submitted, it only moves to succeed.
     */
    private void checkMsg(Saga s, TransactionRecord r, Map<String, Integer> effects, List<TransStatus> history,
            List<String> violations) {
        String gid = s.gid();
        int localA = effects.getOrDefault("00/msg/a", 0);
        int localB = effects.getOrDefault("00/msg/b", 0);
        if (localA != localB || localB > 1) {
            violations.add(gid + ": local transaction half-done or run twice " + effects);
        }
        boolean succeeded = r.status() == TransStatus.SUCCEEDED;
        if (succeeded != (localB == 1)) {
            violations.add(gid + " is " + r.status().wire() + " but its local transaction "
                    + (localB == 1 ? "committed" : "did not commit") + " " + effects);
        }
        for (int i = 0; i < s.request.steps().size(); i++) {
            String branch = SagaDefinition.branchId(i);
            int a = effects.getOrDefault(branch + "/action/a", 0);
            int b = effects.getOrDefault(branch + "/action/b", 0);
            if (a != b || b != (succeeded ? 1 : 0)) {
                violations.add(gid + " " + r.status().wire() + " but branch " + branch + " applied x" + b
                        + " (half-done: " + (a != b) + ")");
            }
        }
        int submitted = history.indexOf(TransStatus.SUBMITTED);
        if (submitted >= 0 && history.subList(submitted, history.size()).stream()
                .anyMatch(st -> st != TransStatus.SUBMITTED && st != TransStatus.SUCCEEDED)) {
            violations.add(gid + ": a submitted message did not go on to succeed: " + history);
        }
    }

    private static void checkForward(String gid, boolean tcc, List<TransStatus> history, List<String> violations) {
        for (int i = 1; i < history.size(); i++) {
            TransStatus from = history.get(i - 1);
            TransStatus to = history.get(i);
            boolean ok = from == to || switch (from) {
                // a TCC transaction never submitted is cancelled: prepared → aborting
                case PREPARED -> to == TransStatus.SUBMITTED || to == TransStatus.FAILED
                        || (tcc && to == TransStatus.ABORTING);
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
