package dev.redsaga.client;

import dev.redsaga.protocol.DtmReply;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.WireJson;
import java.io.UncheckedIOException;

/**
 * What a branch handler answers, in protocol terms: SUCCESS → 200, FAILURE → 409 (a saga action's FAILURE
 * aborts the saga), ONGOING → 425 (ask again later), and {@link #retryLater} → 503 for a request the service
 * could not take on in time (nothing done; the coordinator calls again). Use {@link #status()} and {@link #body()}
 * with any HTTP server:
 *
 * <pre>{@code
 * BranchAnswer a = stockIsShort ? BranchAnswer.failure("out of stock") : BranchAnswer.success();
 * exchange.sendResponseHeaders(a.status(), a.body().length());
 * }</pre>
 *
 * @param status the HTTP status to answer with
 */
public record BranchAnswer(Outcome outcome, String message, int status) {

    /** The answer with the outcome's own status (TRANSIENT: 500). */
    public BranchAnswer(Outcome outcome, String message) {
        this(outcome, message, outcome.httpStatus());
    }

    public static BranchAnswer success() {
        return new BranchAnswer(Outcome.SUCCESS, null);
    }

    public static BranchAnswer failure(String message) {
        return new BranchAnswer(Outcome.FAILURE, message);
    }

    public static BranchAnswer ongoing(String message) {
        return new BranchAnswer(Outcome.ONGOING, message);
    }

    /**
     * 503: nothing was done, ask again later — the request waited past its deadline
     * ({@link dev.redsaga.client.barrier.DeadlineExceededException}) or the service is too busy to start it now.
     */
    public static BranchAnswer retryLater(String message) {
        return new BranchAnswer(Outcome.TRANSIENT, message, 503);
    }

    public static BranchAnswer of(Outcome outcome) {
        return new BranchAnswer(outcome, null);
    }

    /** The JSON body to answer with, e.g. {@code {"dtm_result":"FAILURE","message":"out of stock"}}. */
    public String body() {
        DtmReply reply = switch (outcome) {
            case SUCCESS -> DtmReply.success();
            case FAILURE -> DtmReply.failure(message);
            case ONGOING -> DtmReply.ongoing(message);
            case TRANSIENT -> DtmReply.error(message);
        };
        try {
            return WireJson.mapper().writeValueAsString(reply);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
