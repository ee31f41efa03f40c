package dev.redsaga.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * A small blocking HTTP/1.1 server on Jetty, every request on its own virtual thread: simple blocking handlers,
 * Jetty's connection handling. (The JDK's built-in server served only a handful of requests at a time once a
 * thousand connections were open — see docs/design.md.)
 */
public final class HttpEndpoint implements AutoCloseable {

    /** Handles one request; may block. */
    @FunctionalInterface
    public interface Handler {
        void handle(Exchange exchange) throws IOException;
    }

    /** One request and its response. */
    public static final class Exchange {
        private final Request request;
        private final Response response;

        Exchange(Request request, Response response) {
            this.request = request;
            this.response = response;
        }

        public String method() {
            return request.getMethod();
        }

        public String path() {
            return request.getHttpURI().getPath();
        }

        /** The raw (still URL-encoded) query string, or {@code null}. */
        public String rawQuery() {
            return request.getHttpURI().getQuery();
        }

        public String header(String name) {
            return request.getHeaders().get(name);
        }

        /** The request body, read fully. */
        public InputStream body() {
            return Content.Source.asInputStream(request);
        }

        /** Sets a header of the response to come. */
        public void responseHeader(String name, String value) {
            response.getHeaders().put(name, value);
        }

        /** Sends the whole response (blocking until written). */
        public void respond(int status, String contentType, byte[] body) throws IOException {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            try (Blocker.Callback cb = Blocker.callback()) {
                response.write(true, ByteBuffer.wrap(body), cb);
                cb.block();
            }
        }

        /** As {@link #respond}, with one more response header. */
        public void respondWithHeader(int status, String header, String value, String contentType, byte[] body)
                throws IOException {
            response.getHeaders().put(header, value);
            respond(status, contentType, body);
        }

        public void respondJson(int status, String json) throws IOException {
            respond(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final Server server;
    private final ServerConnector connector;

    private HttpEndpoint(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /**
     * Starts listening on {@code host:port} (port 0: a free one).
     *
     * @throws IOException if the address is taken or cannot be bound
     */
    public static HttpEndpoint start(String host, int port, String name, Handler handler) throws IOException {
        return start(host, port, name, handler, 10_000);
    }

    /** As {@link #start(String, int, String, Handler)}, with at most {@code maxConnections} open connections. */
    public static HttpEndpoint start(String host, int port, String name, Handler handler, int maxConnections)
            throws IOException {
        VirtualThreadPool threads = new VirtualThreadPool();
        threads.setName(name);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        connector.setAcceptQueueSize(4096);
        connector.setIdleTimeout(60_000);
        server.addConnector(connector);
        // beyond the limit Jetty stops accepting: new connections wait in the kernel's backlog, not in our memory
        server.addBean(new NetworkConnectionLimit(maxConnections, connector));
        // and no address holds more than half of them, nor a connection while it dribbles a request head
        connector.addBean(new SlowClientGuard(connector.getScheduler(), Math.max(1, maxConnections / 2)));
        server.setHandler(new org.eclipse.jetty.server.Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                try {
                    handler.handle(new Exchange(request, response));
                    callback.succeeded();
                } catch (Throwable t) {
                    callback.failed(t);
                }
                return true;
            }
        });
        server.setErrorHandler(new JsonErrorHandler());
        server.setStopTimeout(1_000);
        try {
            server.start();
        } catch (IOException e) {
            stopQuietly(server);
            throw e;
        } catch (Exception e) {
            stopQuietly(server);
            throw new IOException(e.getMessage(), e);
        }
        return new HttpEndpoint(server, connector);
    }

    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        stopQuietly(server);
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping is best effort
        }
    }
}
