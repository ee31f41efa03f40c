package dev.redsaga.client;

/** The coordinator refused a request or could not be reached; {@link #httpStatus()} is 0 when unreachable. */
public class RedsagaException extends RuntimeException {
    private final int httpStatus;

    public RedsagaException(int httpStatus, String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
