package dev.redsaga.server.engine.kind;

import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.TransType;
import dev.redsaga.server.engine.BranchCall;
import dev.redsaga.server.engine.Plan;
import dev.redsaga.server.engine.SagaDefinition;

/**
 * What one transaction type does its own way; everything else (storing, leasing, calling, backoff, recovery) is
 * shared. One class per type, registered in {@link TransactionKinds}: the engine, the service and the machine ask
 * the kind of a transaction instead of testing its type. Kinds hold no state: the same instance serves every
 * transaction of its type.
 */
public interface TransactionKind {

    TransType type();

    // --- what a request gives ---

    /**
     * Checks how many steps a submit or prepare gives (a type whose branches are registered one by one takes none).
     *
     * @throws dev.redsaga.server.engine.InvalidTransactionException naming the field and the fix
     */
    void checkStepCount(int steps);

    /** Whether its steps have compensations (a message's branches are called until they succeed: it has none). */
    boolean compensates();

    /**
     * Whether it is settled by asking its client when its submit does not come ({@code query_prepared}), and may be
     * delayed ({@code custom_data.delay}): a message.
     */
    boolean backChecked();

    /** Whether a step may name a topic ({@code topic://name}) and go to each of its subscribers: a message. */
    default boolean sendsToTopics() {
        return false;
    }

    /**
     * How long it may stay prepared when it gives no {@code timeout_to_fail} of its own (0: a saga, which waits the
     * server's {@code --prepared-lifetime} while prepared and has no time limit once submitted).
     */
    long defaultTimeoutToFailMs();

    /**
     * For a type whose branches are registered while it is prepared (each before the client calls it), how a
     * registration names the branch's two URLs; {@code null} when its steps come with the submit.
     */
    Registration registration();

    /** The request fields of a registered branch's URLs: its op and its undo (XA: one {@code url}, both). */
    record Registration(String confirmField, String cancelField) {
        public boolean oneUrl() {
            return confirmField.equals(cancelField);
        }
    }

    default boolean registersBranches() {
        return registration() != null;
    }

    /**
     * Checks a definition about to be stored as prepared.
     *
     * @throws dev.redsaga.server.engine.InvalidTransactionException when it cannot be settled without its submit
     */
    default void checkPrepare(SagaDefinition def) {
    }

    // --- running it ---

    /** What to do next; see {@link Situation}. Called for a transaction that has not ended. */
    Plan plan(Situation s);

    /** Whether a FAILURE answer to {@code call} ends that branch (else it is retried until it succeeds). */
    boolean failureEnds(BranchCall call);

    /**
     * Whether a call that did not finish (an error, no answer, ONGOING) is tried again at once instead of after its
     * backoff: a saga's action with a {@code retry_limit}, as DTM retries it within the same pass until the limit.
     */
    default boolean retriesAtOnce(SagaDefinition def, BranchCall call) {
        return false;
    }

    /** The {@code op} {@code call} carries, as DTM names it for this type. */
    BranchOp op(BranchCall call);

    // --- what a client may ask of it ---

    /**
     * What runs when the gid already holds a transaction of this type, {@code stored}, and {@code sent} comes
     * (a client's retry, or a message's submit after its prepare).
     *
     * @throws dev.redsaga.server.engine.CommandRefusedException GID_TAKEN when {@code sent} is another transaction
     */
    SagaDefinition resent(SagaDefinition stored, SagaDefinition sent);

    /**
     * Why a submitted transaction of this type cannot be aborted, or {@code null} when an operator may (it is
     * compensated).
     */
    String submittedAbortRefusal(String gid);
}
