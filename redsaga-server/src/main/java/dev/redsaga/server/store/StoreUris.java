package dev.redsaga.server.store;

/** Store URIs as they may be shown: in logs, errors and answers, never with a password. */
public final class StoreUris {
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
}
