package dev.redsaga.server.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;

/**
 * Which branch URLs the coordinator may call. The coordinator calls URLs its callers choose, from inside the
 * network; this keeps it from being their proxy into places they should not reach.
 *
 * <p>With an allowlist ({@code --branch-allow}: CIDRs, host names, or URL prefixes), only matching URLs are called.
 * A URL prefix matches the whole URL: the same scheme, host and port, and a path that is the prefix's or goes on
 * below it at a segment boundary ({@code http://svc:8080/ok} matches {@code /ok} and {@code /ok/x}, never
 * {@code /okay} or another port). A host name matches its host on any port. A CIDR matches the address the host
 * resolves to at the call — a URL that matched no name rule is called only if it does. Without an allowlist,
 * everything is allowed except link-local and cloud-metadata addresses (169.254.0.0/16, fe80::/10,
 * 100.100.100.200, fd00:ec2::254). Always refused: the coordinator's own port on this machine, a URL with a
 * fragment (everything after {@code #} is dropped by HTTP clients, the protocol's query string with it), and a path
 * with {@code .} or {@code ..} segments, written plainly or percent-encoded (a server would resolve them out of the
 * allowed prefix).
 *
 * <p>A URL is checked when a transaction is submitted (what can be checked without a lookup: to refuse with a clear
 * 400) and again for every call ({@link #admit}); the address is checked when a connection is opened
 * ({@link #problemAtConnect}), on what the name resolves to then, so a name that resolved elsewhere at submit (DNS
 * rebinding) is refused at the call. Refusals never say what a name resolves to.
 */
public final class BranchUrlPolicy {
    /** An IPv4 or IPv6 address written out: parsed without a lookup (this is checked on every branch call). */
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final List<Cidr> FORBIDDEN = List.of(Cidr.parse("169.254.0.0/16"), Cidr.parse("fe80::/10"),
            Cidr.parse("100.100.100.200/32"), Cidr.parse("fd00:ec2::254/128"));

    /**
     * On what a call's connection is let through: {@link #BY_NAME}, the URL matched a host or prefix rule (or there
     * is no allowlist), so any address but the forbidden ones; {@link #BY_ADDRESS}, only an address in an allowed
     * network. Jetty pools connections per grant (it is the request's tag), so a connection opened for one grant is
     * never reused for a call that has the other.
     */
    public enum Grant { BY_NAME, BY_ADDRESS }

    /** What {@link #admit} decided: a problem (not called), or the grant its connection is checked under. */
    public record Admission(String problem, Grant grant) {
    }

    /** A URL prefix rule, parsed once. */
    private record Prefix(String scheme, String host, int port, String path) {
        boolean matches(String scheme, String host, int port, String path) {
            return this.scheme.equals(scheme) && this.host.equals(host) && this.port == port
                    && (path.equals(this.path) || path.startsWith(this.path.endsWith("/") ? this.path : this.path + "/"));
        }
    }

    private final List<Cidr> allowedNetworks;
    private final List<String> allowedHosts;
    private final List<Prefix> allowedPrefixes;
    private final IntSupplier ownPort;

    private BranchUrlPolicy(List<Cidr> networks, List<String> hosts, List<Prefix> prefixes, IntSupplier ownPort) {
        this.allowedNetworks = networks;
        this.allowedHosts = hosts;
        this.allowedPrefixes = prefixes;
        this.ownPort = ownPort;
    }

    /** No allowlist: everything but the forbidden addresses (and, once known, the coordinator's own port). */
    public static BranchUrlPolicy defaults() {
        return new BranchUrlPolicy(List.of(), List.of(), List.of(), () -> -1);
    }

    /**
     * @param rules {@code 10.0.0.0/8}, {@code fd00::/8}, {@code svc.internal} or {@code http://svc:8080/api/}
     * @throws IllegalArgumentException for a rule that is none of these, saying so
     */
    public static BranchUrlPolicy allowing(List<String> rules) {
        List<Cidr> networks = new ArrayList<>();
        List<String> hosts = new ArrayList<>();
        List<Prefix> prefixes = new ArrayList<>();
        for (String rule : rules) {
            String r = rule == null ? "" : rule.strip();
            if (r.startsWith("http://") || r.startsWith("https://")) {
                prefixes.add(prefix(rule, r));
            } else if (r.contains("/")) {
                networks.add(Cidr.parse(r));
            } else if (r.matches("[A-Za-z0-9.-]+|\\[?[0-9A-Fa-f:.]+]?")) {
                hosts.add(r.toLowerCase(Locale.ROOT).replace("[", "").replace("]", ""));
            } else {
                throw new IllegalArgumentException("--branch-allow '" + rule + "' is not a CIDR (10.0.0.0/8), a host "
                        + "name (svc.internal) or a URL prefix (http://svc:8080/api/)");
            }
        }
        return new BranchUrlPolicy(List.copyOf(networks), List.copyOf(hosts), List.copyOf(prefixes), () -> -1);
    }

    private static Prefix prefix(String rule, String r) {
        URI uri;
        try {
            uri = new URI(r);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null
                || uri.getRawUserInfo() != null || dotSegments(uri.getRawPath())) {
            throw new IllegalArgumentException("--branch-allow '" + rule + "' is not a URL prefix such as "
                    + "http://svc:8080/api/ (scheme, host, optional port and path; no query, fragment, user or ..)");
        }
        return new Prefix(uri.getScheme().toLowerCase(Locale.ROOT), hostOf(uri), port(uri), uri.getRawPath());
    }

    /** This policy, also refusing {@code port} on this machine (the coordinator's own, once it listens). */
    public BranchUrlPolicy withOwnPort(IntSupplier port) {
        return new BranchUrlPolicy(allowedNetworks, allowedHosts, allowedPrefixes, port);
    }

    private boolean hasAllowlist() {
        return !allowedNetworks.isEmpty() || !allowedHosts.isEmpty() || !allowedPrefixes.isEmpty();
    }

    /**
     * Why a submitted URL is refused, or {@code null}: {@link #admit}, and for a literal address what
     * {@link #problemAtConnect} would say of it. A name's address is checked at each call.
     */
    public String problemAtSubmit(String url) {
        Admission a = admit(url);
        if (a.problem() != null) {
            return a.problem();
        }
        URI uri = URI.create(url);
        String host = hostOf(uri);
        InetAddress literal = literal(host);
        if (literal != null) {
            return problemAtConnect(a.grant(), literal, port(uri));
        }
        if (host.equals("localhost") && port(uri) == ownPort.getAsInt()) {
            return "is the coordinator itself";
        }
        return null;
    }

    /**
     * Checks a URL as a whole, before every call: its form (no fragment, no dot segments) and the allowlist's name
     * rules. The answer's grant is what the connection's address is then checked under.
     */
    public Admission admit(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return new Admission("is not a valid URL", null);
        }
        if (url.indexOf('#') >= 0) { // in a URL that parses, '#' only ever starts the fragment
            return new Admission("has a fragment (#...): HTTP clients drop it, and the protocol's query string with "
                    + "it; remove it", null);
        }
        if (dotSegments(uri.getRawPath())) {
            return new Admission("has . or .. segments in its path; write the path without them", null);
        }
        if (!hasAllowlist()) {
            return new Admission(null, Grant.BY_NAME);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = hostOf(uri);
        int port = port(uri);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        for (Prefix p : allowedPrefixes) {
            if (p.matches(scheme, host, port, path)) {
                return new Admission(null, Grant.BY_NAME);
            }
        }
        if (allowedHosts.contains(host)) {
            return new Admission(null, Grant.BY_NAME);
        }
        if (allowedNetworks.isEmpty()) {
            return new Admission("is not allowed by --branch-allow", null);
        }
        return new Admission(null, Grant.BY_ADDRESS);
    }

    /**
     * Why opening a connection to {@code address} on {@code port}, for a call admitted with {@code grant}, is
     * refused, or {@code null}. The answer names no address.
     */
    public String problemAtConnect(Grant grant, InetAddress address, int port) {
        if (port == ownPort.getAsInt()
                && (address.isLoopbackAddress() || address.isAnyLocalAddress() || isLocal(address))) {
            return "is the coordinator itself";
        }
        if (grant == Grant.BY_ADDRESS || (grant == null && hasAllowlist())) {
            return inAllowedNetwork(address) ? null : "is not allowed by --branch-allow";
        }
        if (hasAllowlist()) {
            return null; // named by a rule: the operator chose it
        }
        for (Cidr c : FORBIDDEN) {
            if (c.contains(address)) {
                return "is a link-local or cloud-metadata address";
            }
        }
        return null;
    }

    /** Whether a raw path has a {@code .} or {@code ..} segment, however written (percent-encoded, backslashes). */
    private static boolean dotSegments(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return false;
        }
        String decoded;
        try {
            decoded = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return true; // a malformed escape: nobody can say what a server makes of it
        }
        for (String segment : decoded.replace('\\', '/').split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private boolean inAllowedNetwork(InetAddress a) {
        for (Cidr c : allowedNetworks) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isLocal(InetAddress a) {
        try {
            return java.net.NetworkInterface.getByInetAddress(a) != null;
        } catch (java.net.SocketException e) {
            return false;
        }
    }

    private static String hostOf(URI uri) {
        String h = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** The address of a literal IPv4/IPv6 host, without any lookup; {@code null} for a name. */
    private static InetAddress literal(String host) {
        if (!IP_LITERAL.matcher(host).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(host); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An address block, IPv4 or IPv6. */
    record Cidr(byte[] network, int bits) {
        static Cidr parse(String s) {
            int slash = s.indexOf('/');
            if (slash < 0 || !IP_LITERAL.matcher(s.substring(0, slash)).matches()) {
                throw new IllegalArgumentException("'" + s + "' is not a CIDR block such as 10.0.0.0/8 or fd00::/8");
            }
            try {
                byte[] addr = InetAddress.getByName(s.substring(0, slash)).getAddress();
                int bits = Integer.parseInt(s.substring(slash + 1));
                if (bits < 0 || bits > addr.length * 8) {
                    throw new IllegalArgumentException("prefix length " + bits + " is out of range");
                }
                return new Cidr(addr, bits);
            } catch (UnknownHostException | RuntimeException e) {
                throw new IllegalArgumentException("'" + s + "' is not a CIDR block such as 10.0.0.0/8 or fd00::/8");
            }
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (b[full] & mask) == (network[full] & mask);
        }
    }
}
