package dev.redsaga.protocol;

/** DTM's branch ids: a saga's steps, and a TCC transaction's branches in call order, are "01", "02", ... */
public final class BranchIds {
    private BranchIds() {
    }

    /** The branch id of the branch at {@code index} (0-based). */
    public static String of(int index) {
        return index < 9 ? "0" + (index + 1) : Integer.toString(index + 1);
    }
}
