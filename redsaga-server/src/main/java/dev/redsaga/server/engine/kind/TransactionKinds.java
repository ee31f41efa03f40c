package dev.redsaga.server.engine.kind;

import dev.redsaga.protocol.TransType;
import java.util.EnumMap;
import java.util.Map;

/** The registry: the kind of each transaction type this coordinator runs. A new type is one class and one line. */
public final class TransactionKinds {
    private static final Map<TransType, TransactionKind> KINDS = new EnumMap<>(TransType.class);

    static {
        register(new SagaKind());
        register(new TccKind());
        register(new MsgKind());
        register(new XaKind());
    }

    private TransactionKinds() {
    }

    private static void register(TransactionKind kind) {
        KINDS.put(kind.type(), kind);
    }

    /** The kind of {@code type}; every {@link TransType} has one. */
    public static TransactionKind of(TransType type) {
        TransactionKind kind = KINDS.get(type);
        if (kind == null) {
            throw new IllegalStateException("no kind is registered for transaction type " + type);
        }
        return kind;
    }
}
