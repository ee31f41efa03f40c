package dev.redsaga.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The operator's web UI under {@code /admin}: three static files from the jar (no build step, no library), which
 * call the JSON API with the operator's admin token. The files hold no data and are the same for everyone, so
 * they are served without a token; every figure they show comes through the API, which asks for it. The headers
 * keep the pages to themselves: only their own scripts run (no inline script, no other origin), and no other site
 * may frame them.
 */
final class AdminUi {
    static final String PREFIX = "/admin";
    private static final String SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    private static final Map<String, Asset> ASSETS = Map.of(
            "/admin", asset("index.html", "text/html; charset=utf-8"),
            "/admin/", asset("index.html", "text/html; charset=utf-8"),
            "/admin/app.js", asset("app.js", "text/javascript; charset=utf-8"),
            "/admin/app.css", asset("app.css", "text/css; charset=utf-8"));

    private record Asset(byte[] bytes, String contentType) {
    }

    private AdminUi() {
    }

    static boolean handles(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    /** Serves one of the files, or 404; GET and HEAD only. Returns the status sent. */
    static int serve(HttpEndpoint.Exchange ex) throws IOException {
        Asset a = ASSETS.get(ex.path());
        ex.responseHeader("Content-Security-Policy", SECURITY_POLICY);
        ex.responseHeader("X-Content-Type-Options", "nosniff");
        ex.responseHeader("Referrer-Policy", "no-referrer");
        ex.responseHeader("Cache-Control", "no-cache");
        if (!"GET".equals(ex.method()) && !"HEAD".equals(ex.method())) {
            ex.respond(405, "text/plain; charset=utf-8", "GET only\n".getBytes(StandardCharsets.UTF_8));
            return 405;
        }
        if (a == null) {
            ex.respond(404, "text/plain; charset=utf-8",
                    "no such page; the UI is at /admin\n".getBytes(StandardCharsets.UTF_8));
            return 404;
        }
        ex.respond(200, a.contentType(), a.bytes());
        return 200;
    }

    private static Asset asset(String name, String contentType) {
        try (InputStream in = AdminUi.class.getResourceAsStream("admin/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks the admin UI's " + name);
            }
            return new Asset(in.readAllBytes(), contentType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
