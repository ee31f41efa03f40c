package dev.redsaga.server.tracing;

import java.util.regex.Pattern;

/**
 * A W3C trace context (https://www.w3.org/TR/trace-context/): a {@code traceparent} and its {@code tracestate}, as
 * received from a caller and stored with a transaction. Whatever does not follow the format is dropped, as the
 * standard says: an invalid {@code traceparent} starts no trace; an invalid or oversized {@code tracestate} is left
 * out.
 *
 * @param traceParent {@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>}, or empty
 * @param traceState  the vendors' list that goes with it, or empty
 */
public record TraceContext(String traceParent, String traceState) {
    public static final TraceContext NONE = new TraceContext("", "");
    /** Version 00's layout; later versions may append fields, which are ignored (their prefix is read as 00). */
    private static final Pattern PARENT = Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
    private static final Pattern STATE = Pattern.compile("[\\x20-\\x7e]{1,512}");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_SPAN = "0".repeat(16);

    /** The context of a request's headers (either may be null). */
    public static TraceContext of(String traceParent, String traceState) {
        if (traceParent == null) {
            return NONE;
        }
        var m = PARENT.matcher(traceParent.strip());
        if (!m.matches() || m.group(1).equals("ff") || (m.group(1).equals("00") && m.group(5) != null)
                || m.group(2).equals(ZERO_TRACE) || m.group(3).equals(ZERO_SPAN)) {
            return NONE;
        }
        String parent = "00-" + m.group(2) + "-" + m.group(3) + "-" + m.group(4);
        String state = traceState != null && STATE.matcher(traceState.strip()).matches() ? traceState.strip() : "";
        return new TraceContext(parent, state);
    }

    public boolean isPresent() {
        return !traceParent.isEmpty();
    }

    /** The 32 hex digits of the trace id; only when {@link #isPresent()}. */
    public String traceId() {
        return traceParent.substring(3, 35);
    }

    /** The 2 hex digits of the flags (01: sampled); only when {@link #isPresent()}. */
    public String flags() {
        return traceParent.substring(53, 55);
    }

    /** The same trace, with {@code spanId} (16 hex digits) as the parent. */
    public TraceContext child(String spanId) {
        return new TraceContext("00-" + traceId() + "-" + spanId + "-" + flags(), traceState);
    }
}
