package dev.redsaga.server.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.redsaga.protocol.BranchDeadline;
import dev.redsaga.protocol.SagaCustomData;
import dev.redsaga.protocol.WireJson;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The checks of a submitted transaction's parts that are the same for every type: URLs, headers, durations,
 * {@code custom_data} and the order of a concurrent saga's steps. {@link SagaDefinition#parse} runs them; each message
 * names the field and the fix.
 */
final class DefinitionChecks {
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final int MAX_HEADERS = 32;
    private static final int MAX_HEADER_VALUE = 4_096;
    private static final long MAX_SECONDS = 365L * 24 * 3600;

    /**
     * Headers a saga may not set on its branch calls: framing, hop-by-hop, routing, who the caller is (the client
     * address headers proxies set and services trust), the method (its override headers), and the deadline the
     * coordinator sets itself.
     */
    private static final java.util.Set<String> RESERVED_HEADERS = java.util.Set.of("host", "content-length",
            "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade", "expect", "content-type",
            "forwarded", "via", "x-real-ip", "true-client-ip", "x-client-ip", "x-cluster-client-ip", "cf-connecting-ip",
            "fastly-client-ip", "x-original-url", "x-rewrite-url", "x-http-method-override", "x-http-method",
            "x-method-override", BranchDeadline.HEADER.toLowerCase(java.util.Locale.ROOT));

    /** Checks a transaction's {@code branch_headers}: bounded, well-formed, none the coordinator sets itself. */
    static Map<String, String> branchHeaders(Map<String, String> given) {
        Map<String, String> headers = given == null ? Map.of() : new LinkedHashMap<>(given);
        if (headers.size() > MAX_HEADERS) {
            throw new InvalidTransactionException("branch_headers has " + headers.size() + " entries; at most "
                    + MAX_HEADERS + " are allowed");
        }
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey().length() > 128 || (h.getValue() != null && h.getValue().length() > MAX_HEADER_VALUE)) {
                throw new InvalidTransactionException("branch_headers['" + abbreviate(h.getKey()) + "'] is too long: "
                        + "names up to 128 characters, values up to " + MAX_HEADER_VALUE);
            }
            if (!HEADER_NAME.matcher(h.getKey()).matches()) {
                throw new InvalidTransactionException("branch_headers has an invalid header name '" + h.getKey() + "'");
            }
            if (RESERVED_HEADERS.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))
                    || h.getKey().regionMatches(true, 0, "X-Forwarded-", 0, 12)
                    || h.getKey().regionMatches(true, 0, "Proxy-", 0, 6)) {
                throw new InvalidTransactionException("branch_headers may not set " + h.getKey() + ": the coordinator "
                        + "sets the request's framing and routing headers itself");
            }
            if (h.getValue() == null || h.getValue().chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
                throw new InvalidTransactionException("branch_headers['" + h.getKey() + "'] must be a one-line string "
                        + "without control characters");
            }
        }
        return Collections.unmodifiableMap(headers);
    }

    static SagaCustomData parseCustomData(String customData) {
        if (customData == null || customData.isBlank()) {
            return null;
        }
        try {
            return WireJson.mapper().readValue(customData, SagaCustomData.class);
        } catch (JsonProcessingException e) {
            throw new InvalidTransactionException("custom_data is not valid JSON of the form "
                    + "{\"orders\":{\"1\":[0]},\"concurrent\":true}: " + e.getOriginalMessage());
        }
    }

    static List<List<Integer>> predecessors(SagaCustomData custom, int n, boolean concurrent) {
        List<List<Integer>> preds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            preds.add(new ArrayList<>());
        }
        Map<String, List<Integer>> orders = custom == null || custom.orders() == null ? Map.of() : custom.orders();
        if (!orders.isEmpty() && !concurrent) {
            throw new InvalidTransactionException("custom_data.orders is only meaningful for a concurrent saga: "
                    + "set \"concurrent\": true");
        }
        for (Map.Entry<String, List<Integer>> e : orders.entrySet()) {
            int step;
            try {
                step = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw new InvalidTransactionException("custom_data.orders key '" + e.getKey()
                        + "' is not a step index (0-based)");
            }
            checkIndex(step, n, "custom_data.orders key");
            for (Integer p : e.getValue() == null ? List.<Integer>of() : e.getValue()) {
                if (p == null) {
                    throw new InvalidTransactionException("custom_data.orders[" + step + "] contains null");
                }
                checkIndex(p, n, "custom_data.orders[" + step + "] entry");
                if (p == step) {
                    throw new InvalidTransactionException("custom_data.orders: step " + step + " cannot depend on itself");
                }
                if (!preds.get(step).contains(p)) {
                    preds.get(step).add(p);
                }
            }
        }
        checkAcyclic(preds);
        List<List<Integer>> frozen = new ArrayList<>(n);
        for (List<Integer> p : preds) {
            frozen.add(List.copyOf(p));
        }
        return List.copyOf(frozen);
    }

    static void checkIndex(int i, int n, String what) {
        if (i < 0 || i >= n) {
            throw new InvalidTransactionException(what + " " + i + " is out of range: steps are numbered 0.." + (n - 1));
        }
    }

    static void checkAcyclic(List<List<Integer>> preds) {
        int n = preds.size();
        int[] state = new int[n]; // 0 new, 1 on stack, 2 done
        for (int i = 0; i < n; i++) {
            if (state[i] == 0 && hasCycle(i, preds, state)) {
                throw new InvalidTransactionException("custom_data.orders has a dependency cycle through step " + i);
            }
        }
    }

    static boolean hasCycle(int i, List<List<Integer>> preds, int[] state) {
        state[i] = 1;
        for (int p : preds.get(i)) {
            if (state[p] == 1 || (state[p] == 0 && hasCycle(p, preds, state))) {
                return true;
            }
        }
        state[i] = 2;
        return false;
    }

    static long requestTimeout(Long value, EngineOptions defaults) {
        long ms = seconds(value, "request_timeout", defaults.defaultRequestTimeoutMs());
        if (ms > defaults.maxRequestTimeoutMs()) {
            throw new InvalidTransactionException("request_timeout must be at most " + defaults.maxRequestTimeoutMs()
                    / 1000 + " s (the server's --max-request-timeout), was " + value + " s");
        }
        return ms;
    }

    static long seconds(Long value, String field, long defaultMs) {
        if (value == null || value == 0) {
            return defaultMs;
        }
        if (value < 0 || value > MAX_SECONDS) {
            throw new InvalidTransactionException(field + " must be between 0 and " + MAX_SECONDS + " seconds, was " + value);
        }
        return value * 1000;
    }

    static long nonNegative(Long value, String field) {
        if (value == null) {
            return 0;
        }
        if (value < 0) {
            throw new InvalidTransactionException(field + " must not be negative, was " + value);
        }
        return value;
    }

    static String checkUrl(String url, String field) {
        if (url == null || url.isEmpty()) {
            return "";
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new InvalidTransactionException(field + " '" + url + "' is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || uri.getHost() == null) {
            throw new InvalidTransactionException(field + " '" + url + "' is not an http(s) URL with a host");
        }
        return url;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private DefinitionChecks() {
    }
}
