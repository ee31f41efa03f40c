package dev.redsaga.server.http;

import dev.redsaga.protocol.DtmReply;
import dev.redsaga.protocol.WireJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error Jetty answers itself (a request it cannot parse, a handler that failed) in the form the API answers
 * its own: {@code {"message": ...}} as JSON, never Jetty's HTML page, which names exception classes and messages.
 * A server error gets an incident name, shown to the caller and logged with the detail.
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final Logger log = LoggerFactory.getLogger(JsonErrorHandler.class);
    private static final HttpField JSON = new HttpField(HttpHeader.CONTENT_TYPE, "application/json");

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        response.getHeaders().put(JSON);
        response.write(true, ByteBuffer.wrap(body(code, cause)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(JSON);
        return ByteBuffer.wrap(body(status, null));
    }

    private static byte[] body(int code, Throwable cause) {
        String text;
        if (code >= 500 && code != HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505) { // 505 is the caller's
            String incident = HttpApi.incident();
            log.error("HTTP {} answered by the server itself (incident {})", code, incident, cause);
            text = "internal error (incident " + incident + " in the coordinator's log)";
        } else {
            text = "the request could not be read: HTTP " + code + " " + HttpStatus.getMessage(code);
        }
        try {
            return WireJson.mapper().writeValueAsBytes(DtmReply.error(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
