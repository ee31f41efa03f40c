package dev.redsaga.server.config;

/**
 * What the coordinator tells the outside about itself, beyond {@code /api/metrics}: traces, and alerts on branches
 * that keep failing.
 *
 * @param otlpEndpoint where spans are exported by OTLP/HTTP (e.g. {@code http://127.0.0.1:4318/v1/traces}), or
 *                     {@code null}: trace context is passed on to the branches, nothing is recorded
 * @param alertWebhook where a JSON alert is POSTed when a branch has failed {@code alertAfter} times in a row (and
 *                     every {@code alertAfter} failures after), or {@code null}: no alerts
 * @param alertAfter   failures of one branch that make an alert (DTM's AlertRetryLimit, 3 by default)
 */
public record Observability(String otlpEndpoint, String alertWebhook, int alertAfter) {
    public static final int DEFAULT_ALERT_AFTER = 3;
    public static final Observability NONE = new Observability(null, null, DEFAULT_ALERT_AFTER);

    public Observability {
        if (otlpEndpoint != null && !otlpEndpoint.matches("https?://[^\\s]+")) {
            throw new IllegalArgumentException("the OTLP endpoint must be an http(s) URL, e.g. "
                    + "http://127.0.0.1:4318/v1/traces; was " + otlpEndpoint);
        }
        if (alertWebhook != null && !alertWebhook.matches("https?://[^\\s]+")) {
            throw new IllegalArgumentException("the alert webhook must be an http(s) URL, e.g. "
                    + "http://127.0.0.1:8080/redsaga-alerts; was " + alertWebhook);
        }
        if (alertAfter < 1 || alertAfter > 1_000) {
            throw new IllegalArgumentException("alerts come after 1 to 1000 failures of a branch, not " + alertAfter);
        }
    }

    public Observability withOtlpEndpoint(String endpoint) {
        return new Observability(endpoint, alertWebhook, alertAfter);
    }

    public Observability withAlerts(String webhook, int after) {
        return new Observability(otlpEndpoint, webhook, after);
    }
}
