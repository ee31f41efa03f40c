package dev.redsaga.protocol;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * Global transaction ids. A generated gid is time-ordered and unique without coordination:
 * 9 base-32 characters of milliseconds, then 13 of randomness (65 bits).
 */
public final class Gids {
    /** What a gid may contain: it appears in URLs and store keys. */
    public static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.:\\-]{1,128}");

    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    /** Mixed into every gid so two processes started in the same instant do not share a sequence. */
    private static final long SEED_BITS = new SecureRandom().nextLong();

    private Gids() {
    }

    public static String newGid() {
        char[] out = new char[22];
        long ms = System.currentTimeMillis();
        for (int i = 8; i >= 0; i--) {
            out[i] = ALPHABET[(int) (ms & 31)];
            ms >>>= 5;
        }
        java.util.concurrent.ThreadLocalRandom tlr = java.util.concurrent.ThreadLocalRandom.current();
        long random = tlr.nextLong() ^ SEED_BITS;
        for (int i = 9; i < 21; i++) {
            out[i] = ALPHABET[(int) (random & 31)];
            random >>>= 5;
        }
        out[21] = ALPHABET[tlr.nextInt(32)];
        return new String(out);
    }

    /** Returns a message saying what is wrong with {@code gid}, or {@code null} if it is valid. */
    public static String problem(String gid) {
        if (gid == null || gid.isEmpty()) {
            return "gid is required";
        }
        if (!VALID.matcher(gid).matches()) {
            return "gid '" + abbreviate(gid) + "' is invalid: use 1 to 128 of the characters A-Z a-z 0-9 _ . : -";
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
