package dev.redsaga.server.engine;

import java.util.Map;

/**
 * The per-transaction options, resolved against the server's defaults. Durations in milliseconds;
 * 0 means "none" for {@code timeoutToFailMs} and {@code retryLimit}.
 */
public record SagaOptions(
        long timeoutToFailMs,
        long requestTimeoutMs,
        long retryIntervalMs,
        long retryLimit,
        Map<String, String> branchHeaders,
        boolean concurrent) {
}
