package dev.redsaga.bench;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpMethod;

/**
 * The load generator's HTTP client: at most {@code connections} connections per server, further requests wait
 * in the client's queue (in open loop that wait is part of the measured latency, as it would be for a real
 * caller). Jetty's client, not the JDK's: the JDK client spent more CPU than the coordinator it was loading and
 * fell behind under many concurrent requests, which made open-loop figures meaningless.
 */
final class LoadClient implements AutoCloseable {

    /** A response: status and body. */
    record Answer(int status, String body) {
    }

    private final HttpClient client = new HttpClient();

    LoadClient(int connections) {
        client.setMaxConnectionsPerDestination(connections);
        client.setMaxRequestsQueuedPerDestination(1 << 20);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setFollowRedirects(false);
        client.setUserAgentField(null);
        client.setConnectTimeout(3_000);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the load generator's HTTP client: " + e.getMessage(), e);
        }
    }

    /** POSTs a JSON body and waits for the whole answer (at most 30 s). */
    Answer post(String url, byte[] json) throws Exception {
        try {
            ContentResponse r = client.newRequest(url)
                    .method(HttpMethod.POST)
                    .timeout(30, TimeUnit.SECONDS)
                    .body(new BytesRequestContent("application/json", json))
                    .send();
            return new Answer(r.getStatus(), r.getContentAsString());
        } catch (ExecutionException e) {
            throw new IllegalStateException("POST " + url + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("POST " + url + ": no answer within 30 s", e);
        }
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            // stopping is best effort
        }
    }
}
