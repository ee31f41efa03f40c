package dev.redsaga.server.service;

import dev.redsaga.protocol.TransStatus;
import dev.redsaga.server.store.ListFilter;
import java.util.Map;

/**
 * The query string of DTM's {@code all}: {@code gid}, {@code status}, {@code transType}, {@code createTimeStart}
 * and {@code createTimeEnd} (epoch milliseconds, both inclusive), {@code position}, {@code limit}; and ours,
 * {@code gidPrefix}. An empty value means the condition is not set, as in DTM.
 */
public record ListQuery(String gid, TransStatus status, String transType, Long createdFrom, Long createdUntil,
        String position, Integer limit, String gidPrefix) {

    /** Reads the parameters, refusing a bad one with a message that says which and why. */
    public static ListQuery of(Map<String, String> q) {
        String prefix = text(q, "gidPrefix");
        if (prefix != null && (prefix.length() > 128 || prefix.chars().anyMatch(c -> c < 0x21 || c > 0x7e))) {
            throw RequestException.invalid("gidPrefix must be up to 128 printable characters without spaces");
        }
        return new ListQuery(text(q, "gid"), status(text(q, "status")), text(q, "transType"),
                epochMs(q, "createTimeStart"), epochMs(q, "createTimeEnd"), text(q, "position"),
                whole(q, "limit"), prefix);
    }

    ListFilter filter() {
        return new ListFilter(status, transType, createdFrom, createdUntil, gidPrefix);
    }

    private static String text(Map<String, String> q, String name) {
        String v = q.get(name);
        return v == null || v.isEmpty() ? null : v;
    }

    private static TransStatus status(String s) {
        if (s == null) {
            return null;
        }
        try {
            return TransStatus.fromWire(s);
        } catch (IllegalArgumentException e) {
            throw RequestException.invalid(e.getMessage());
        }
    }

    private static Long epochMs(Map<String, String> q, String name) {
        String v = text(q, name);
        if (v == null) {
            return null;
        }
        try {
            long ms = Long.parseLong(v);
            if (ms < 0) {
                throw new NumberFormatException();
            }
            return ms;
        } catch (NumberFormatException e) {
            throw RequestException.invalid(name + " must be a time in milliseconds since 1970 (e.g. "
                    + "1700000000000), was '" + v + "'");
        }
    }

    private static Integer whole(Map<String, String> q, String name) {
        String v = text(q, name);
        if (v == null) {
            return null;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw RequestException.invalid(name + " must be a whole number, was '" + v + "'");
        }
    }
}
