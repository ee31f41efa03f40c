package dev.redsaga.server.engine;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the engine knows of one branch (one op of one step).
 *
 * @param phase     see {@link Phase}
 * @param attempts  calls answered so far
 * @param notBefore epoch ms before which the next attempt must not start (backoff)
 * @param lastError the last non-success answer, for operators
 * @param answeredAt epoch ms of its last answer (0: none yet), for operators
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record BranchState(
        @JsonProperty("p") Phase phase,
        @JsonProperty("n") int attempts,
        @JsonProperty("t") long notBefore,
        @JsonProperty("e") String lastError,
        @JsonProperty("at") long answeredAt) {

    public static final BranchState PENDING = new BranchState(Phase.PENDING, 0, 0, null, 0);

    /** A state not answered yet (or whose answer time is not known). */
    public BranchState(Phase phase, int attempts, long notBefore, String lastError) {
        this(phase, attempts, notBefore, lastError, 0);
    }

    public enum Phase {
        /** never called */
        PENDING,
        /** called at least once, no final answer yet: its effect may or may not exist */
        ATTEMPTED,
        SUCCEEDED,
        /** business failure (action only; a compensation is retried until it succeeds) */
        FAILED
    }

    public BranchState {
        if (phase == null) {
            phase = Phase.PENDING;
        }
    }

    @JsonIgnore
    public boolean isSucceeded() {
        return phase == Phase.SUCCEEDED;
    }
}
