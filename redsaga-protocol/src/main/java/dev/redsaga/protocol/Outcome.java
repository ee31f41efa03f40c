package dev.redsaga.protocol;

/**
 * The one mapping between protocol answers and HTTP: SUCCESS ↔ 200, FAILURE ↔ 409, ONGOING ↔ 425.
 *
 * <p>{@link #classify} reads a branch (or server) reply the way DTM does: 425 or a body containing
 * {@code ONGOING} is not done yet; 409 or a body containing {@code FAILURE} is a business failure; 200 is
 * success; anything else — 201 and 204 too, as DTM counts them — is {@link #TRANSIENT} (retry with backoff).
 */
public enum Outcome {
    SUCCESS(200),
    FAILURE(409),
    ONGOING(425),
    /** Not a protocol answer: a 5xx, a timeout or a connection error. Retried with backoff. */
    TRANSIENT(500);

    public static final String RESULT_SUCCESS = "SUCCESS";
    public static final String RESULT_FAILURE = "FAILURE";
    public static final String RESULT_ONGOING = "ONGOING";

    private final int httpStatus;

    Outcome(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public static Outcome classify(int httpStatus, String body) {
        String b = body == null ? "" : body;
        if (httpStatus == 425 || b.contains(RESULT_ONGOING)) {
            return ONGOING;
        }
        if (httpStatus == 409 || b.contains(RESULT_FAILURE)) {
            return FAILURE;
        }
        return httpStatus == 200 ? SUCCESS : TRANSIENT;
    }
}
