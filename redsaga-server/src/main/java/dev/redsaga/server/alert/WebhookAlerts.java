package dev.redsaga.server.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redsaga.protocol.BranchOp;
import dev.redsaga.protocol.Outcome;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.engine.BranchTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a webhook when a branch keeps failing (DTM's {@code AlertWebHook}): once a branch's answers that will be
 * retried — no answer, an error, a FAILURE of a call that must succeed (a compensation, a confirm, a message's
 * branch) — reach {@code after}, and again at every multiple of it, it POSTs
 * {@code {"gid","status","branch","branch_id","op","trans_type","error","retry_count"}} ({@code branch} is the URL),
 * DTM's fields and ours. A business FAILURE that ends a saga is its outcome, not an alert. Alerts are sent in the
 * background, at most {@value #IN_FLIGHT} at once (more are dropped, and logged): a slow webhook never holds up
 * a transaction.
 */
public final class WebhookAlerts implements BranchTransport {
    private static final Logger log = LoggerFactory.getLogger(WebhookAlerts.class);
    private static final int IN_FLIGHT = 16;
    private static final ObjectMapper JSON = WireJson.mapper();

    private final BranchTransport delegate;
    private final URI webhook;
    private final int after;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final Semaphore sending = new Semaphore(IN_FLIGHT);

    public WebhookAlerts(BranchTransport delegate, String webhook, int after) {
        this.delegate = delegate;
        this.webhook = URI.create(webhook);
        this.after = after;
    }

    @Override
    public CompletableFuture<Result> call(Request request) {
        return delegate.call(request).whenComplete((result, error) -> {
            if (result != null && !result.waited() && willBeRetried(request, result.outcome())) {
                int failures = request.attempt() + 1;
                if (failures % after == 0) {
                    try {
                        alert(request, result, failures);
                    } catch (RuntimeException e) {
                        // thrown here, it would turn the branch's answer into a transport error: the alert is lost
                        log.warn("could not send the alert for {}: {}", request.gid(), e.toString());
                    }
                }
            }
        });
    }

    /** Whether this answer leaves the branch to be called again, rather than ending it. */
    static boolean willBeRetried(Request r, Outcome outcome) {
        return switch (outcome) {
            case SUCCESS, ONGOING -> false; // ONGOING: not done yet, asked again, not a failure
            case TRANSIENT -> true;
            // a saga's action and a message's back-check end on FAILURE; everything else must succeed
            case FAILURE -> !r.failureEnds();
        };
    }

    private void alert(Request r, Result result, int failures) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("gid", r.gid());
        body.put("status", r.op() == BranchOp.MSG ? "prepared" : r.op().origin() != null ? "aborting" : "submitted");
        body.put("branch", r.url());
        body.put("branch_id", r.branchId());
        body.put("op", r.op().wire());
        body.put("trans_type", r.transType());
        body.put("error", result.detail() == null ? result.outcome().name() : result.detail());
        body.put("retry_count", failures);
        if (!sending.tryAcquire()) {
            log.warn("alert for {} branch {} dropped: {} alerts are being sent already", r.gid(), r.branchId(),
                    IN_FLIGHT);
            return;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            sending.release();
            throw new IllegalStateException(e);
        }
        http.sendAsync(HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(5))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(json))
                        .build(), HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, error) -> {
                    sending.release();
                    if (error != null) {
                        log.warn("the alert webhook did not take the alert for {}: {}", r.gid(), error.toString());
                    } else if (response.statusCode() >= 300) {
                        log.warn("the alert webhook answered HTTP {} to the alert for {}", response.statusCode(),
                                r.gid());
                    }
                });
    }
}
