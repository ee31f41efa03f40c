package dev.redsaga.server.engine;

/** The answer to a submit: accepted (runs on), or with {@code wait_result} its outcome so far. */
public enum SubmitResult {
    /** stored; it runs on (or had already been submitted with the same body) */
    ACCEPTED,
    /** wait_result: it succeeded */
    SUCCEEDED,
    /** wait_result: it failed (compensated) */
    FAILED,
    /** wait_result: its first pass ended waiting for a retry; query it later */
    ONGOING
}
