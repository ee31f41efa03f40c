package dev.redsaga.server.store;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Store URIs as they may be shown: in logs, errors and answers, never with a password. */
public final class StoreUris {
    /** The password of a {@code user:password@} (group 1) or of a {@code password=} parameter (group 2). */
    private static final Pattern SECRET = Pattern.compile("(?://|,)[^@/,?:]*:([^@/,?]+)@|(?i)password=([^&;]+)");

    private StoreUris() {
    }

    /**
     * {@code uri} with every {@code user:password@} (of each host of a {@code redis-cluster://} list too) and every
     * {@code password=} parameter replaced by {@code ***}.
     */
    public static String redact(String uri) {
        if (uri == null) {
            return null;
        }
        return uri.replaceAll("(//|,)[^@/,?]*@", "$1***@").replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    /**
     * {@code text} — a driver's message, say — without any password {@code uri} carries: drivers that cannot parse a
     * URI echo parts of it ("Incorrect port value : sekret@127.0.0.1"), so redacting the URI alone is not enough.
     */
    public static String scrub(String text, String uri) {
        if (text == null || uri == null) {
            return text;
        }
        String out = text;
        Matcher m = SECRET.matcher(uri);
        while (m.find()) {
            String secret = m.group(1) != null ? m.group(1) : m.group(2);
            if (secret != null && !secret.isEmpty()) {
                out = out.replace(secret, "***");
            }
        }
        return out;
    }
}
