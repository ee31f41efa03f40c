package dev.redsaga.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Who may call the coordinator, and from where. Bearer tokens in three scopes: {@link Scope#SUBMIT} (new gids,
 * prepare, submit, query of one gid), {@link Scope#ADMIN} (everything, including abort, forceStop and listing) and
 * {@link Scope#METRICS} (only {@code /api/metrics}: what a Prometheus server is given; an admin token works too).
 * Without any token the server is open to whoever can reach it — allowed only on a loopback address, or when the
 * operator says so ({@code --allow-anonymous}). Requests carrying an {@code Origin} (sent by browsers) are served only
 * from the allowed origins, so a web page cannot drive the API through the user's browser.
 *
 * <p>Tokens are kept only as SHA-256 digests and compared in constant time; {@link #toString} never shows them.
 */
public final class AccessPolicy {
    /** What a caller may do. */
    public enum Scope { SUBMIT, ADMIN, METRICS }

    private final List<byte[]> submitDigests;
    private final List<byte[]> adminDigests;
    private final List<byte[]> metricsDigests;
    private final List<String> allowedOrigins;

    private AccessPolicy(List<byte[]> submitDigests, List<byte[]> adminDigests, List<byte[]> metricsDigests,
            List<String> allowedOrigins) {
        this.submitDigests = submitDigests;
        this.adminDigests = adminDigests;
        this.metricsDigests = metricsDigests;
        this.allowedOrigins = allowedOrigins;
    }

    /** No tokens, no browser origins: for a server on loopback (and tests). */
    public static AccessPolicy open() {
        return new AccessPolicy(List.of(), List.of(), List.of(), List.of());
    }

    /** {@link #of(String, List, List, List, boolean, List)} without metrics tokens. */
    public static AccessPolicy of(String host, List<String> submitTokens, List<String> adminTokens,
            boolean allowAnonymous, List<String> allowedOrigins) {
        return of(host, submitTokens, adminTokens, List.of(), allowAnonymous, allowedOrigins);
    }

    /**
     * The policy for a server listening on {@code host}.
     *
     * @throws IllegalArgumentException for a server reachable from other machines with no token and no
     *     {@code allowAnonymous}, for a blank token, metrics tokens without any other (the API would be shut to
     *     everyone), or an origin that is not {@code scheme://host[:port]}
     */
    public static AccessPolicy of(String host, List<String> submitTokens, List<String> adminTokens,
            List<String> metricsTokens, boolean allowAnonymous, List<String> allowedOrigins) {
        List<byte[]> submit = digests(submitTokens, "--api-token");
        List<byte[]> admin = digests(adminTokens, "--admin-token");
        List<byte[]> metrics = digests(metricsTokens, "--metrics-token");
        if (!metrics.isEmpty() && submit.isEmpty() && admin.isEmpty()) {
            throw new IllegalArgumentException("a --metrics-token alone would shut the API to every client (with "
                    + "tokens, each caller needs one): give --api-token and --admin-token too, or no token at all "
                    + "on a loopback address");
        }
        if (submit.isEmpty() && admin.isEmpty() && !allowAnonymous && !isLoopback(host)) {
            throw new IllegalArgumentException("the server would listen on " + host + ", reachable from other "
                    + "machines, with no token: anyone could submit, abort or list sagas. Give tokens "
                    + "(--api-token/--admin-token, REDSAGA_API_TOKENS/REDSAGA_ADMIN_TOKENS, or the token files), "
                    + "or --allow-anonymous on a trusted network");
        }
        List<String> origins = new ArrayList<>();
        for (String o : allowedOrigins) {
            if (o == null || !o.matches("https?://[^/\\s]+")) {
                throw new IllegalArgumentException("allowed origin '" + o + "' must look like https://host[:port], "
                        + "without a path");
            }
            origins.add(o.toLowerCase(Locale.ROOT));
        }
        return new AccessPolicy(submit, admin, metrics, List.copyOf(origins));
    }

    /** Whether callers need a token at all. */
    public boolean requiresToken() {
        return !submitDigests.isEmpty() || !adminDigests.isEmpty();
    }

    /** Whether {@code token} (the bearer token sent, or {@code null}) grants {@code scope}. */
    public boolean grants(String token, Scope scope) {
        if (!requiresToken()) {
            return true;
        }
        if (token == null || token.isEmpty()) {
            return false;
        }
        byte[] digest = sha256(token);
        boolean admin = matches(adminDigests, digest);
        return switch (scope) {
            case ADMIN -> admin;
            case SUBMIT -> admin | matches(submitDigests, digest);
            case METRICS -> admin | matches(metricsDigests, digest);
        };
    }

    /** Whether {@code token} is one of the configured tokens, of any scope. */
    public boolean knows(String token) {
        if (token == null || token.isEmpty()) {
            return false;
        }
        if (!requiresToken()) {
            return true;
        }
        byte[] digest = sha256(token); // once per request: every list compared, no early exit to time
        return matches(adminDigests, digest) | matches(submitDigests, digest) | matches(metricsDigests, digest);
    }

    /** Whether a request with this {@code Origin} header ({@code null}: not from a browser page) is served. */
    public boolean allowsOrigin(String origin) {
        return origin == null || allowedOrigins.contains(origin.toLowerCase(Locale.ROOT));
    }

    /**
     * {@link #allowsOrigin(String)}, and the server's own pages ({@code /admin}): a page whose origin is the host the
     * browser is talking to ({@code host}, the request's {@code Host} header). Without tokens, only under a loopback
     * name or address: a page of another site that had its name resolve to this server (DNS rebinding) has that
     * other name as its origin and its host.
     */
    public boolean allowsOrigin(String origin, String host) {
        if (allowsOrigin(origin)) {
            return true;
        }
        if (host == null || host.isBlank()) {
            return false;
        }
        String o = origin.toLowerCase(Locale.ROOT);
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (!o.equals("http://" + h) && !o.equals("https://" + h)) {
            return false;
        }
        return requiresToken() || isLoopbackName(h);
    }

    /** Whether {@code hostAndPort} names this machine without asking a resolver: localhost or a loopback literal. */
    private static boolean isLoopbackName(String hostAndPort) {
        boolean v6 = hostAndPort.startsWith("[");
        String name = v6 ? hostAndPort.substring(1, Math.max(1, hostAndPort.indexOf(']')))
                : hostAndPort.contains(":") ? hostAndPort.substring(0, hostAndPort.indexOf(':')) : hostAndPort;
        if (name.equals("localhost")) {
            return true;
        }
        if (!(v6 ? name.matches("[0-9a-f:.]+") : name.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}"))) {
            return false; // a name: not resolved here
        }
        try {
            return InetAddress.getByName(name).isLoopbackAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean matches(List<byte[]> digests, byte[] digest) {
        boolean found = false;
        for (byte[] d : digests) {
            found |= MessageDigest.isEqual(d, digest); // every one compared: no early exit to time
        }
        return found;
    }

    private static List<byte[]> digests(List<String> tokens, String option) {
        List<byte[]> out = new ArrayList<>();
        for (String t : tokens) {
            if (t == null || t.isBlank()) {
                throw new IllegalArgumentException(option + " must not be blank");
            }
            out.add(sha256(t.strip()));
        }
        return List.copyOf(out);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** Whether {@code host} is a loopback address (127.0.0.0/8, ::1, localhost). */
    public static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "AccessPolicy[" + (requiresToken() ? submitDigests.size() + " submit, " + adminDigests.size()
                + " admin and " + metricsDigests.size() + " metrics tokens" : "no tokens") + ", origins " + allowedOrigins + "]";
    }
}
