package dev.redsaga.server.http;

import java.util.regex.Pattern;

/** Text that came from outside (a header, a branch's answer), made safe to show in a log line or an answer. */
final class RemoteText {
    private static final Pattern UNPRINTABLE = Pattern.compile("[^\\x20-\\x7e]");

    private RemoteText() {
    }

    /**
     * {@code s} in printable ASCII only (anything else, line breaks included, becomes {@code ?}), cut to
     * {@code max} characters: it cannot forge a log line, and it stays short. Nothing sent ({@code null}) is empty.
     */
    static String printable(String s, int max) {
        if (s == null) {
            return "";
        }
        String clean = UNPRINTABLE.matcher(s).replaceAll("?");
        return clean.length() <= max ? clean : clean.substring(0, max) + "...";
    }
}
