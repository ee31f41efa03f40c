package dev.redsaga.client.barrier;

/**
 * The coordinator stopped waiting for this branch request before it was run (it waited in a queue past its
 * deadline); nothing was done. Answer {@link dev.redsaga.client.BranchAnswer#retryLater}: the coordinator calls
 * again, and the service spends its connections on requests someone still waits for.
 */
public class DeadlineExceededException extends RuntimeException {
    public DeadlineExceededException(BranchBarrier b) {
        super("the deadline of " + b.op().wire() + " " + b.gid() + "/" + b.branchId() + " passed before it ran; "
                + "nothing was done");
    }
}
