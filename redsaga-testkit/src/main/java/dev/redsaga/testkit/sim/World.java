package dev.redsaga.testkit.sim;

import dev.redsaga.protocol.Outcome;
import dev.redsaga.server.engine.BranchTransport;
import dev.redsaga.testkit.SimScheduler;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Everything outside the coordinators in one schedule: simulated time, the seeded random draws, the network between
 * coordinators and services, the services themselves, and the faults. Faults are injected only until
 * {@link #heal()}; afterwards the world is kind, so every transaction must end.
 */
final class World {
    /** The kinds of fault injected, counted for the report. */
    enum Fault {
        REQUEST_LOST, ANSWER_LOST, DELIVERY_LATE, DUPLICATE, ONGOING, BUSINESS_REFUSAL, BUSINESS_DIED,
        STORE_FAILED, STORE_AMBIGUOUS, LOST_WRITES, CRASH, PAUSE, CLOCK_JUMP, ABORT, CLIENT_GAVE_UP
    }

    /** What a store call meets. */
    enum StoreFault { NONE, BEFORE, AFTER }

    final SplittableRandom random;
    final SimScheduler sched;
    final Participants participants;
    private final Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
    private final List<String> trace;
    private boolean faulty = true;

    World(long seed, Participants participants, boolean tracing) {
        this.random = new SplittableRandom(seed);
        this.sched = new SimScheduler(random.split(), 1_700_000_000_000L);
        this.participants = participants;
        this.trace = tracing ? new ArrayList<>() : null;
    }

    void heal() {
        faulty = false;
        trace("faults healed");
    }

    boolean faulty() {
        return faulty;
    }

    /** Whether a fault of this kind happens now, with probability {@code p} while faults are on. */
    boolean fault(Fault kind, double p) {
        if (!faulty || random.nextDouble() >= p) {
            return false;
        }
        faults.merge(kind, 1, Integer::sum);
        return true;
    }

    void count(Fault kind) {
        faults.merge(kind, 1, Integer::sum);
    }

    /** Faults injected so far, by kind ({@code request_lost}, ...). */
    Map<String, Integer> faults() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        faults.forEach((k, v) -> out.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
        return out;
    }

    StoreFault storeFault(boolean write) {
        if (fault(Fault.STORE_FAILED, 0.01)) {
            trace("store call failed before reaching the store");
            return StoreFault.BEFORE;
        }
        if (write && fault(Fault.STORE_AMBIGUOUS, 0.01)) {
            trace("store write done, answer lost");
            return StoreFault.AFTER;
        }
        return StoreFault.NONE;
    }

    void trace(String event) {
        if (trace != null) {
            trace.add(String.format("%8d ms  %s", sched.now() - 1_700_000_000_000L, event));
        }
    }

    List<String> trace() {
        return trace == null ? List.of() : trace;
    }

    /** The network and the services, as one coordinator node sees them. */
    BranchTransport transport(SimScheduler.Node node) {
        return request -> {
            CompletableFuture<BranchTransport.Result> answer = new CompletableFuture<>();
            long timeout = request.timeoutMs();
            String what = request.gid() + " " + request.branchId() + " " + request.op().wire() + " from " + node;
            // the caller's timeout: an answer that has not come by then never will, as far as the caller knows
            node.schedule(timeout, () -> {
                if (answer.complete(new BranchTransport.Result(Outcome.TRANSIENT, "no answer within " + timeout
                        + " ms"))) {
                    trace(what + ": timed out");
                }
            });
            if (fault(Fault.REQUEST_LOST, 0.04)) {
                trace(what + ": request lost");
                return answer;
            }
            deliver(request, node, answer, what, latency(), false);
            if (fault(Fault.DUPLICATE, 0.05)) {
                deliver(request, node, new CompletableFuture<>(), what + " (duplicate)", 1 + random.nextLong(6_000),
                        true);
            }
            return answer;
        };
    }

    private long latency() {
        if (fault(Fault.DELIVERY_LATE, 0.05)) {
            return 1 + random.nextLong(3_000); // often past the caller's timeout: it retries, this lands later
        }
        return 1 + random.nextLong(60);
    }

    private void deliver(BranchTransport.Request request, SimScheduler.Node caller,
            CompletableFuture<BranchTransport.Result> answer, String what, long delay, boolean duplicate) {
        sched.at(sched.now() + delay, null, () -> {
            Outcome outcome;
            if (fault(Fault.ONGOING, 0.04)) {
                outcome = Outcome.ONGOING;
            } else {
                Participants.Behaviour behaviour = Participants.Behaviour.NORMAL;
                if (Participants.refusable(request.op()) && random.nextDouble() < 0.12) {
                    count(Fault.BUSINESS_REFUSAL);
                    behaviour = Participants.Behaviour.REFUSE;
                } else if (fault(Fault.BUSINESS_DIED, 0.03)) {
                    behaviour = Participants.Behaviour.DIE_HALF_WAY;
                }
                outcome = participants.handle(request.transType(), request.gid(), request.branchId(), request.op(),
                        behaviour);
                trace(what + ": delivered, " + behaviour + " -> " + outcome);
            }
            if (duplicate) {
                return;
            }
            if (fault(Fault.ANSWER_LOST, 0.04)) {
                trace(what + ": answer lost");
                return;
            }
            BranchTransport.Result result = new BranchTransport.Result(outcome,
                    outcome == Outcome.SUCCESS ? null : "simulated " + outcome);
            caller.schedule(1 + random.nextLong(60), () -> answer.complete(result));
        });
    }
}
