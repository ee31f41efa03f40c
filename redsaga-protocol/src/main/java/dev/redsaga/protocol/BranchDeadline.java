package dev.redsaga.protocol;

/**
 * The moment after which the coordinator no longer waits for a branch call's answer, sent with the call in the
 * {@value #HEADER} header as milliseconds since the epoch. A service that receives the call after it — it waited in
 * a queue — should refuse it before touching its database (answer 503): its caller has given up and will call
 * again. Work done for callers who have given up is what keeps an overloaded service overloaded.
 */
public final class BranchDeadline {
    public static final String HEADER = "Redsaga-Deadline";
    /** No deadline given (a caller that is not redsaga, e.g. DTM). */
    public static final long NONE = 0;

    private BranchDeadline() {
    }

    /** The header's value: {@link #NONE} when absent, blank or unreadable (an unknown deadline refuses nothing). */
    public static long parse(String headerValue) {
        if (headerValue == null || headerValue.isBlank()) {
            return NONE;
        }
        try {
            long v = Long.parseLong(headerValue.trim());
            return v > 0 ? v : NONE;
        } catch (NumberFormatException e) {
            return NONE;
        }
    }

    /** Whether {@code deadlineMillis} (from {@link #parse}) has passed at {@code nowMillis}. */
    public static boolean passed(long deadlineMillis, long nowMillis) {
        return deadlineMillis != NONE && nowMillis >= deadlineMillis;
    }
}
