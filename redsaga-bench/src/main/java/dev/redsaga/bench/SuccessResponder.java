package dev.redsaga.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.redsaga.protocol.DtmReply;
import dev.redsaga.protocol.WireJson;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The branches of the null and recovery modes: answers every call {@code SUCCESS}, without blocking and without a
 * thread per request, so that as little as possible of the measured machine goes to the stand-in branches.
 */
final class SuccessResponder implements AutoCloseable {
    private static final byte[] SUCCESS = successReply();
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);

    SuccessResponder() {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(4096);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Source.consumeAll(request, Callback.from(() -> {
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    response.write(true, ByteBuffer.wrap(SUCCESS), callback);
                }, callback::failed));
                return true;
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw new IllegalStateException("cannot start the bench's branch responder: " + e.getMessage(), e);
        }
    }

    private static byte[] successReply() {
        try {
            return WireJson.mapper().writeValueAsBytes(DtmReply.success());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
    String baseUrl() {
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping is best effort
        }
    }
}
