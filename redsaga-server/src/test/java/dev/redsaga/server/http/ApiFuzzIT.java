package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redsaga.server.RedsagaServer;
import dev.redsaga.server.config.ServerConfig;
import dev.redsaga.server.engine.EngineOptions;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Malformed and adversarial requests at every endpoint (property-based, jqwik): broken and deeply nested JSON,
 * wrong types, huge numbers and strings, unicode and control characters in gids and URLs, bad paging, header abuse,
 * wrong methods and content types. Whatever comes, the answer is never a 5xx, a refused request stores nothing,
 * and the server keeps answering. CI runs 10,000 cases; {@code -Djqwik.tries.default=1000000} runs a million
 * (docs/security.md).
 */
class ApiFuzzIT {
    private static final String[] ROUTES = {"newGid", "submit", "prepare", "abort", "forceStop", "query", "all",
        "health", "registerBranch", "", "submit/", "../submit", "SUBMIT", "query%00"};
    private static final AtomicLong SEQ = new AtomicLong();
    private static RedsagaServer server;

    @BeforeContainer
    static void start() {
        // retries far apart: the few valid sagas the fuzzer submits call a closed port, rarely
        EngineOptions engine = EngineOptions.builder().defaultRequestTimeoutMs(1_000).defaultRetryIntervalMs(30_000)
                .leaseMs(60_000).claimBatch(100).build();
        server = RedsagaServer.start(ServerConfig.builder().port(0).store("h2:mem:fuzz-" + UUID.randomUUID())
                .engine(engine).maxRequestBytes(64 * 1024).instanceId("fuzz-it").build());
    }

    @AfterContainer
    static void stop() {
        server.close();
    }

    /** One adversarial request. */
    record Attempt(String method, String route, String query, String contentType, String origin, String body,
            String gid) {
    }

    @Property
    void noRequestGetsA5xxNorStoresAnythingWhenRefused(@ForAll("attempts") Attempt a) throws Exception {
        String target = "/api/dtmsvr/" + a.route() + (a.query() == null ? "" : "?" + a.query());
        Answer r = send(a.method(), target, a.contentType(), a.origin(), a.body());

        assertThat(r.status()).as("%s %s %s -> %s", a.method(), target, a.body(), r.head()).isBetween(200, 499);
        if (r.status() >= 400 && a.gid() != null) {
            assertThat(server.store().find(a.gid())).as("refused, yet stored: %s", a).isEmpty();
        }
        if (SEQ.incrementAndGet() % 1000 == 0) {
            assertThat(send("GET", "/api/dtmsvr/health", null, null, null).status()).as("still answering")
                    .isEqualTo(200);
        }
    }

    /**
     * Branch URLs that would leave their path or lose the protocol's query string, written every way a fuzzer finds:
     * dot segments plain, percent-encoded in any case, with encoded slashes; fragments with anything after them.
     * Every one is refused at submit, and nothing is stored (the second attack sent some of them raw).
     */
    @Property
    void urlsThatLeaveTheirPathOrDropTheQueryAreRefused(@ForAll("escapingUrls") String url) throws Exception {
        String gid = "fz-url-" + SEQ.incrementAndGet();
        String body = "{\"gid\":" + quote(gid) + ",\"trans_type\":\"saga\",\"steps\":[{\"action\":" + quote(url)
                + "}],\"payloads\":[\"{}\"]}";
        Answer r = send("POST", "/api/dtmsvr/submit", "application/json", null, body);
        assertThat(r.status()).as("%s -> %s", url, r.head()).isEqualTo(400);
        assertThat(server.store().find(gid)).as("refused, yet stored: %s", url).isEmpty();
    }

    @Provide
    Arbitrary<String> escapingUrls() {
        Arbitrary<String> dot = Arbitraries.of(".", "%2e", "%2E");
        Arbitrary<String> dots = Combinators.combine(dot, dot).as((a, b) -> a + b);
        Arbitrary<String> slash = Arbitraries.of("/", "%2f", "%2F");
        Arbitrary<String> tail = Arbitraries.strings().withCharRange('a', 'z').ofMaxLength(12);
        Arbitrary<String> dotSegment = Combinators.combine(slash, Arbitraries.oneOf(dot, dots), slash, tail)
                .as((s1, d, s2, t) -> "http://127.0.0.1:1/ok" + s1 + d + s2 + t);
        Arbitrary<String> lastSegment = Combinators.combine(slash, dots)
                .as((s1, d) -> "http://127.0.0.1:1/ok" + s1 + d);
        Arbitrary<String> fragment = Arbitraries.oneOf(junk(), tail, Arbitraries.of("@169.254.169.254/", "", "x?y=1"))
                .map(f -> "http://127.0.0.1:1/ok#" + f);
        return Arbitraries.oneOf(dotSegment, lastSegment, fragment);
    }

    private record Answer(int status, String head) {
    }

    /**
     * Sends a request as bytes on a socket: the well-behaved HTTP clients refuse to send malformed escapes and odd
     * targets, which is what a fuzzer is for. Only what would break the framing itself (spaces and line breaks in
     * the target) is escaped.
     */
    private static Answer send(String method, String target, String contentType, String origin, String body)
            throws Exception {
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method).append(' ')
                .append(target.replace(" ", "%20").replace("\r", "%0D").replace("\n", "%0A"))
                .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (origin != null) {
            head.append("Origin: ").append(origin).append("\r\n");
        }
        head.append("Content-Length: ").append(payload.length).append("\r\n\r\n");
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            out.write(payload);
            out.flush();
            byte[] answer = socket.getInputStream().readNBytes(512);
            String text = new String(answer, StandardCharsets.ISO_8859_1);
            if (!text.startsWith("HTTP/1.1 ")) {
                return new Answer(-1, text);
            }
            int eol = text.indexOf('\r');
            return new Answer(Integer.parseInt(text.substring(9, 12)), eol < 0 ? text : text.substring(0, eol));
        }
    }

    @Provide
    Arbitrary<Attempt> attempts() {
        Arbitrary<String> method = Arbitraries.of("POST", "POST", "POST", "GET", "PUT", "DELETE");
        Arbitrary<String> route = Arbitraries.of(ROUTES);
        Arbitrary<String> contentType = Arbitraries.of("application/json", "application/json", "application/json",
                "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "", "json");
        // header values the HTTP client can send at all (it refuses control characters itself)
        Arbitrary<String> origin = Arbitraries.oneOf(Arbitraries.strings().withChars("abcxyz:/.-%0123456789")
                .ofMinLength(1).ofMaxLength(30), Arbitraries.of("null", "http://evil.example", "https://a:1"))
                .injectNull(0.9);
        Arbitrary<String> query = Arbitraries.oneOf(
                Arbitraries.of("gid=", "gid=%", "gid=%zz", "limit=0", "limit=-1", "limit=99999999999", "limit=x",
                        "position=:", "position=abc", "position=1:", "position=-9:x", "status=done", "status=",
                        "status=succeed&limit=1001", "&&&", "gid=a%0Ab", "limit=1000", "gidPrefix=zzz&limit=1000",
                        "gidPrefix=%25&limit=1000", "gidPrefix=_&limit=25"),
                junk().map(s -> "gid=" + s)).injectNull(0.5);
        Arbitrary<Attempt> saga = Combinators.combine(method, route, contentType, origin, query, sagaBody())
                .as((m, rt, ct, o, q, gb) -> new Attempt(m, rt, q, ct, o, gb.get(1), gb.get(0)));
        Arbitrary<Attempt> raw = Combinators.combine(method, route, contentType, origin, query, rawBody())
                .as((m, rt, ct, o, q, bd) -> new Attempt(m, rt, q, ct, o, bd, null));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, saga), net.jqwik.api.Tuple.of(2, raw));
    }

    /** Strings of anything: unicode, control characters, quotes, very long. */
    private static Arbitrary<String> junk() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.strings().withChars("\u0000\n\r\t\"\\{}[]:,%<>'&").ofMaxLength(20),
                Arbitraries.strings().withCharRange('a', 'z').ofLength(300),
                Arbitraries.of("http://169.254.169.254/", "http://[::1]:1/", "javascript:alert(1)", "http://", "://",
                        "http://127.0.0.1:1/x", "http://a b/", "ftp://x/", "http://127.0.0.1:1/ok/../admin",
                        "http://127.0.0.1:1/ok/%2e%2e/admin", "http://127.0.0.1:45100#@169.254.169.254/"));
    }

    /** Bodies that are not JSON objects at all, or barely. */
    private static Arbitrary<String> rawBody() {
        return Arbitraries.oneOf(
                junk(),
                Arbitraries.integers().between(1, 5_000).map(n -> "[".repeat(n)),
                Arbitraries.integers().between(1, 3_000).map(n -> "{\"a\":".repeat(n) + "1" + "}".repeat(n)),
                Arbitraries.of("null", "[]", "{}", "\"saga\"", "1e999999", "{\"gid\":", "{\"gid\":null}",
                        "{\"gid\":[],\"steps\":{}}", "{\"steps\":[null]}", "\uFEFF{}", "{\"gid\":\"x\"}{\"gid\":\"y\"}"));
    }

    /** A saga-shaped object with a fresh gid (its first element) and mutated fields (its second). */
    private static Arbitrary<List<String>> sagaBody() {
        Arbitrary<String> gidSuffix = Arbitraries.oneOf(Arbitraries.just(""), junk(),
                Arbitraries.of("\n", " ", "é", "..", ":", "%", "A".repeat(200)));
        Arbitrary<String> url = Arbitraries.oneOf(junk(), Arbitraries.just("http://127.0.0.1:1/fz"));
        Arbitrary<String> number = Arbitraries.of("0", "-1", "1", "3", "99999999999999999999", "1.5", "\"5\"", "null",
                "true", "[]", "{}", "31536001");
        Arbitrary<String> stepsCount = Arbitraries.of("0", "1", "2", "100");
        Arbitrary<String> headers = Arbitraries.of("{}", "{\"Host\":\"x\"}", "{\"X-A\":\"a\\r\\nb\"}", "{\"\":\"x\"}",
                "{\"X-Ok\":\"fine\"}", "[]", "\"h\"", "{\"Connection\":\"close\"}", "{\"X-Real-IP\":\"1.2.3.4\"}",
                "{\"X-A\":\"a\\u0000b\"}", "{\"X-A\":\"a\\u007fb\"}", "{\"X-HTTP-Method-Override\":\"DELETE\"}");
        Arbitrary<String> custom = Arbitraries.of("null", "\"\"", "\"{\\\"orders\\\":{\\\"1\\\":[0]},"
                + "\\\"concurrent\\\":true}\"", "\"{\\\"orders\\\":{\\\"0\\\":[0]}}\"", "\"not json\"", "5",
                "\"{\\\"orders\\\":{\\\"9\\\":[99]},\\\"concurrent\\\":true}\"");
        return Combinators.combine(gidSuffix, url, number, stepsCount, headers, custom, Arbitraries.of("saga", "tcc",
                "", "msg", "SAGA"))
                .as((suffix, u, n, count, h, cd, tt) -> {
                    String gid = "fz-" + SEQ.incrementAndGet() + suffix;
                    StringBuilder steps = new StringBuilder("[");
                    int k = Integer.parseInt(count);
                    for (int i = 0; i < k; i++) {
                        steps.append(i == 0 ? "" : ",").append("{\"action\":").append(quote(u))
                                .append(",\"compensate\":").append(quote(u)).append('}');
                    }
                    steps.append(']');
                    String body = "{\"gid\":" + quote(gid) + ",\"trans_type\":" + quote(tt) + ",\"steps\":" + steps
                            + ",\"payloads\":[\"{}\"],\"request_timeout\":" + n + ",\"retry_limit\":" + n
                            + ",\"timeout_to_fail\":" + n + ",\"branch_headers\":" + h + ",\"custom_data\":" + cd
                            + ",\"wait_result\":false}";
                    return List.of(gid, body);
                });
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
