package dev.redsaga.server.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
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
 * Without one, everything is allowed except link-local and cloud-metadata addresses (169.254.0.0/16, fe80::/10,
 * 100.100.100.200, fd00:ec2::254) and the coordinator's own port on this machine. A URL is checked when a saga is
 * submitted (its literal address, to refuse with a clear 400) and again for every call, on the address the name
 * resolves to then — a name that resolved elsewhere at submit (DNS rebinding) is refused at the call.
 */
public final class BranchUrlPolicy {
    /** An IPv4 or IPv6 address written out: parsed without a lookup (this is checked on every branch call). */
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final List<Cidr> FORBIDDEN = List.of(Cidr.parse("169.254.0.0/16"), Cidr.parse("fe80::/10"),
            Cidr.parse("100.100.100.200/32"), Cidr.parse("fd00:ec2::254/128"));

    private final List<Cidr> allowedNetworks;
    private final List<String> allowedHosts;
    private final List<String> allowedPrefixes;
    private final List<String> prefixHosts = new ArrayList<>();
    private final IntSupplier ownPort;

    private BranchUrlPolicy(List<Cidr> networks, List<String> hosts, List<String> prefixes, IntSupplier ownPort) {
        this.allowedNetworks = networks;
        this.allowedHosts = hosts;
        this.allowedPrefixes = prefixes;
        this.ownPort = ownPort;
        for (String p : prefixes) {
            prefixHosts.add(hostOf(URI.create(p)));
        }
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
        List<String> prefixes = new ArrayList<>();
        for (String rule : rules) {
            String r = rule == null ? "" : rule.strip();
            if (r.startsWith("http://") || r.startsWith("https://")) {
                prefixes.add(r);
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

    /** This policy, also refusing {@code port} on this machine (the coordinator's own, once it listens). */
    public BranchUrlPolicy withOwnPort(IntSupplier port) {
        return new BranchUrlPolicy(allowedNetworks, allowedHosts, allowedPrefixes, port);
    }

    private boolean hasAllowlist() {
        return !allowedNetworks.isEmpty() || !allowedHosts.isEmpty() || !allowedPrefixes.isEmpty();
    }

    /**
     * Why a submitted URL is refused, or {@code null}. Checks what can be checked without resolving names: the
     * allowlist's prefixes and hosts, and literal addresses.
     */
    public String problemAtSubmit(String url) {
        URI uri = URI.create(url);
        String host = hostOf(uri);
        InetAddress literal = literal(host);
        if (hasAllowlist()) {
            if (matchesPrefixOrHost(url, host) || (literal != null && inAllowedNetwork(literal))) {
                return null;
            }
            if (literal == null && !allowedNetworks.isEmpty()) {
                return null; // a name: its address is checked at every call
            }
            return "is not allowed by --branch-allow";
        }
        if (literal != null) {
            return problemWithAddress(literal, port(uri));
        }
        if (host.equals("localhost") && port(uri) == ownPort.getAsInt()) {
            return "is the coordinator itself";
        }
        return null;
    }

    /**
     * Why connecting to {@code address} — what {@code host} resolved to now — on {@code port} is refused, or
     * {@code null}. (The URL as a whole passed {@link #problemAtSubmit} before the call.)
     */
    public String problemAtCall(String host, InetAddress address, int port) {
        if (hasAllowlist()) {
            String h = host.toLowerCase(Locale.ROOT);
            return allowedHosts.contains(h) || prefixHosts.contains(h) || inAllowedNetwork(address) ? null
                    : "resolves to " + address.getHostAddress() + ", not allowed by --branch-allow";
        }
        String problem = problemWithAddress(address, port);
        return problem == null ? null : "resolves to " + address.getHostAddress() + ", which " + problem;
    }

    private String problemWithAddress(InetAddress a, int port) {
        for (Cidr c : FORBIDDEN) {
            if (c.contains(a)) {
                return "is a link-local or cloud-metadata address";
            }
        }
        if (port == ownPort.getAsInt() && (a.isLoopbackAddress() || a.isAnyLocalAddress() || isLocal(a))) {
            return "is the coordinator itself";
        }
        return null;
    }

    private boolean matchesPrefixOrHost(String url, String host) {
        for (String p : allowedPrefixes) {
            if (url.startsWith(p)) {
                return true;
            }
        }
        return allowedHosts.contains(host);
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
