package dev.redsaga.server.engine;

import dev.redsaga.protocol.TransStatus;
import java.util.List;

/** What the state machine says to do next. The driver performs it; the machine performs nothing. */
public sealed interface Plan {

    /** Start these branch calls now. */
    record Call(List<BranchCall> calls) implements Plan {
    }

    /** Nothing can start before {@code until} (epoch ms; {@link Long#MAX_VALUE}: only an outside event helps). */
    record Wait(long until) implements Plan {
    }

    /** Move a prepared message to {@code submitted} (its back-check found the local transaction committed). */
    record Submit() implements Plan {
    }

    /** Move {@code submitted → aborting}, then compensate. */
    record Abort(String reason) implements Plan {
    }

    /** Move to the terminal {@code status}. */
    record Finish(TransStatus status, String reason) implements Plan {
    }

    /** Already terminal: nothing to do. */
    record Done() implements Plan {
    }
}
