package dev.redsaga.client;

/** The coordinator's answer to a submit. Without {@code waitResult()} a stored saga is {@link #SUCCESS}. */
public enum SubmitResult {
    /** stored (and, with waitResult, succeeded) */
    SUCCESS,
    /** with waitResult: the saga failed and was compensated */
    FAILURE,
    /** with waitResult: still running (retrying); query it later */
    ONGOING
}
