package dev.redsaga.cli;

import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.RedsagaException;
import dev.redsaga.protocol.BranchView;
import dev.redsaga.protocol.ListReply;
import dev.redsaga.protocol.QueryReply;
import dev.redsaga.protocol.TransView;
import dev.redsaga.protocol.WireJson;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code redsaga tx}: an operator's commands against a running coordinator — list and show transactions, retry one
 * now, force-stop one; list topics and change their subscribers ({@link TxTopics}) — as readable tables, or
 * {@code --json}. Every text that comes from the coordinator is printed
 * with its control characters replaced: a gid or an error text cannot drive the terminal.
 */
@Command(name = "tx", mixinStandardHelpOptions = true,
        description = {"Find and unstick transactions on a running coordinator (the admin token where tokens are on)."},
        subcommands = {TxCommand.ListTx.class, TxCommand.Show.class, TxCommand.Retry.class, TxCommand.ForceStop.class,
            TxTopics.ListTopics.class, TxTopics.Subscribe.class, TxTopics.Unsubscribe.class,
            TxTopics.DeleteTopic.class})
public final class TxCommand implements Runnable {
    /** The longest a free text (a reason, an error, a URL) is shown in a table; --json shows it whole. */
    static final int COLUMN = 60;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the coordinator is, and the token: shared by every subcommand. */
    static final class Target {
        @Option(names = "--server", defaultValue = "${env:REDSAGA_SERVER:-http://127.0.0.1:36789}",
                description = "the coordinator (default: $REDSAGA_SERVER, else ${DEFAULT-VALUE})")
        String server;

        @Option(names = "--token", defaultValue = "${env:REDSAGA_TOKEN}",
                description = "the bearer token (default: $REDSAGA_TOKEN); forceStop, retry and list need the admin "
                        + "scope")
        String token;

        @Option(names = "--json", description = "print the coordinator's answer as JSON")
        boolean json;

        RedsagaClient client() {
            RedsagaClient.Builder b = RedsagaClient.builder(server);
            if (token != null && !token.isEmpty()) {
                b.token(token);
            }
            return b.build();
        }
    }

    /** Runs {@code action}, turning the coordinator's refusals and a bad option into a message and an exit code. */
    static int run(CommandLine.Model.CommandSpec spec, Target target, Callable<Void> action) {
        PrintWriter err = spec.commandLine().getErr();
        try {
            action.call();
            spec.commandLine().getOut().flush();
            return 0;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } catch (RedsagaException e) {
            err.println("redsaga tx: " + printable(e.getMessage(), 500)
                    + (e.httpStatus() == 0 ? " (is the coordinator running? --server " + target.server + ")"
                    : e.httpStatus() == 401 || e.httpStatus() == 403 ? " (pass the admin token: --token or "
                    + "$REDSAGA_TOKEN)" : ""));
            return e.httpStatus() == 0 ? 2 : 1;
        } catch (Exception e) {
            err.println("redsaga tx: " + printable(String.valueOf(e.getMessage()), 500));
            return 1;
        }
    }

    /** A subcommand about one transaction: the target, the gid. */
    abstract static class OneTransaction implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(paramLabel = "GID")
        String gid;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** Asks the coordinator for a change of the transaction, then says what it means. */
        int change(String what, java.util.function.Consumer<RedsagaClient> action, String meaning) {
            return TxCommand.change(spec, target, "gid", gid, what, action, printable(gid, 200) + " " + meaning);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List transactions, newest first.")
    static final class ListTx implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--status", description = "prepared, submitted, aborting, succeed or failed")
        String status;

        @Option(names = "--type", description = "saga, tcc, msg or xa")
        String type;

        @Option(names = "--limit", defaultValue = "20", description = "rows per page, 1-1000 (default: ${DEFAULT-VALUE})")
        int limit;

        @Option(names = "--position", description = "the page after the one that printed this position")
        String position;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return run(spec, target, () -> {
                ListReply page = target.client().list(status, type, position, limit);
                PrintWriter out = spec.commandLine().getOut();
                if (target.json) {
                    out.println(WireJson.mapper().writeValueAsString(page));
                    return null;
                }
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"GID", "TYPE", "STATUS", "CREATED", "UPDATED", "REASON"});
                for (TransView t : page.transactions()) {
                    rows.add(new String[] {t.gid(), t.transType(), t.status().wire(), t.createTime(), t.updateTime(),
                        t.rollbackReason()});
                }
                table(out, rows);
                if (page.hasNext()) {
                    out.println("more: --position " + printable(page.nextPosition(), 200));
                }
                return null;
            });
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show one transaction: its state, and every branch with its attempts and last error.")
    static final class Show extends OneTransaction {
        @Override
        public Integer call() {
            return run(spec, target, () -> {
                QueryReply q = target.client().query(gid);
                PrintWriter out = spec.commandLine().getOut();
                if (target.json) {
                    out.println(WireJson.mapper().writeValueAsString(q));
                    return null;
                }
                TransView t = q.transaction();
                if (t == null) {
                    throw new IllegalStateException("the coordinator has no transaction " + gid);
                }
                out.printf("%s  %s  %s%n", printable(t.gid(), 200), printable(t.transType(), 20), t.status().wire());
                field(out, "created", t.createTime());
                field(out, "updated", t.updateTime());
                field(out, "finished", t.finishTime());
                field(out, "next attempt", t.nextCronTime());
                field(out, "held by", t.owner());
                field(out, "reason", t.rollbackReason());
                out.println();
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"BRANCH", "OP", "STATUS", "ATTEMPTS", "URL", "LAST ERROR"});
                for (BranchView b : q.branches()) {
                    rows.add(new String[] {b.branchId(), b.op().wire(), b.status().wire(),
                        b.attempts() == null ? "" : b.attempts().toString(), b.url(), b.lastError()});
                }
                table(out, rows);
                return null;
            });
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Retry a transaction now: forget its branches' backoff (DTM's resetNextCronTime).")
    static final class Retry extends OneTransaction {
        @Override
        public Integer call() {
            return change("retry", c -> c.retryNow(gid), "is due now; the coordinator drives it within its recovery "
                    + "poll interval");
        }
    }

    @Command(name = "force-stop", mixinStandardHelpOptions = true,
            description = "Mark a transaction failed without calling any branch again: the last resort.")
    static final class ForceStop extends OneTransaction {
        @Override
        public Integer call() {
            return change("force-stop", c -> c.forceStop(gid), "is failed; no branch is called any more: undo by "
                    + "hand what its branches did");
        }
    }

    /**
     * Asks the coordinator for a change of {@code subject} (a gid, a topic), then prints {@code meaning}, or with
     * {@code --json} {@code {"<key>": subject, "<what>": "done"}}.
     */
    static int change(CommandLine.Model.CommandSpec spec, Target target, String key, String subject, String what,
            java.util.function.Consumer<RedsagaClient> action, String meaning) {
        return run(spec, target, () -> {
            action.accept(target.client());
            PrintWriter out = spec.commandLine().getOut();
            if (target.json) {
                out.println(WireJson.mapper().writeValueAsString(java.util.Map.of(key, subject, what, "done")));
            } else {
                out.println(meaning);
            }
            return null;
        });
    }

    private static void field(PrintWriter out, String name, String value) {
        if (value != null) {
            out.printf("  %-13s %s%n", name, printable(value, 500));
        }
    }

    /** Columns as wide as their widest cell (free texts cut at {@link #COLUMN}). */
    static void table(PrintWriter out, List<String[]> rows) {
        int[] width = new int[rows.getFirst().length];
        List<String[]> cells = new ArrayList<>(rows.size());
        for (String[] row : rows) {
            String[] c = new String[row.length];
            for (int i = 0; i < row.length; i++) {
                c[i] = printable(row[i] == null ? "" : row[i], COLUMN);
                width[i] = Math.max(width[i], c[i].length());
            }
            cells.add(c);
        }
        for (String[] c : cells) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < c.length; i++) {
                line.append(i == c.length - 1 ? c[i] : String.format("%-" + width[i] + "s  ", c[i]));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /** A remote text as it may be printed: control characters replaced, at most {@code max} characters. */
    static String printable(String s, int max) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), max + 3));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char ch = s.charAt(i);
            b.append(Character.isISOControl(ch) || Character.getType(ch) == Character.FORMAT ? '?' : ch);
        }
        return s.length() > max ? b + "..." : b.toString();
    }
}
