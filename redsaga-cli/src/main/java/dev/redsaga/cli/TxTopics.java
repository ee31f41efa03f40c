package dev.redsaga.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.redsaga.protocol.KvReply;
import dev.redsaga.protocol.KvView;
import dev.redsaga.protocol.WireJson;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code redsaga tx topics}, {@code subscribe}, {@code unsubscribe}, {@code delete-topic}: the topics messages are
 * sent to ({@code topic://name}) and their subscribers, on a running coordinator (the admin token where tokens are on).
 */
final class TxTopics {
    private TxTopics() {
    }

    @Command(name = "topics", mixinStandardHelpOptions = true,
            description = "List the topics, by name, each with its subscribers.")
    static final class ListTopics implements Callable<Integer> {
        @Mixin
        TxCommand.Target target;

        @Option(names = "--limit", defaultValue = "100", description = "topics per page, 1-1000 (default: "
                + "${DEFAULT-VALUE})")
        int limit;

        @Option(names = "--position", description = "the page after the one that printed this position")
        String position;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return TxCommand.run(spec, target, () -> {
                KvReply page = target.client().topics(position, limit);
                PrintWriter out = spec.commandLine().getOut();
                if (target.json) {
                    out.println(WireJson.mapper().writeValueAsString(page));
                    return null;
                }
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"TOPIC", "SUBSCRIBER", "REMARK"});
                for (KvView kv : page.kv()) {
                    List<Map<String, String>> subs = subscribers(kv.v());
                    if (subs.isEmpty()) {
                        rows.add(new String[] {kv.k(), "(none)", ""});
                    }
                    for (int i = 0; i < subs.size(); i++) {
                        rows.add(new String[] {i == 0 ? kv.k() : "", subs.get(i).get("url"), subs.get(i).get("remark")});
                    }
                }
                TxCommand.table(out, rows);
                if (page.hasNext()) {
                    out.println("more: --position " + TxCommand.printable(page.nextPosition(), 200));
                }
                return null;
            });
        }

        private static List<Map<String, String>> subscribers(String v) {
            try {
                return WireJson.mapper().readValue(v, new TypeReference<List<Map<String, String>>>() { });
            } catch (java.io.IOException | RuntimeException e) {
                return List.of(Map.of("url", "(unreadable: " + e.getMessage() + ")"));
            }
        }
    }

    /** A change of one topic: the target, the topic's name, what it means once done. */
    abstract static class OneTopic implements Callable<Integer> {
        @Mixin
        TxCommand.Target target;

        @Parameters(index = "0", paramLabel = "TOPIC")
        String topic;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        int change(String what, java.util.function.Consumer<dev.redsaga.client.RedsagaClient> action, String meaning) {
            return TxCommand.change(spec, target, "topic", topic, what, action,
                    "topic " + TxCommand.printable(topic, 200) + ": " + meaning);
        }
    }

    @Command(name = "subscribe", mixinStandardHelpOptions = true,
            description = "Subscribe a URL to a topic (created if new): messages to topic://TOPIC go to it too.")
    static final class Subscribe extends OneTopic {
        @Parameters(index = "1", paramLabel = "URL")
        String url;

        @Option(names = "--remark", description = "a note for operators")
        String remark;

        @Override
        public Integer call() {
            return change("subscribe", c -> c.subscribe(topic, url, remark), TxCommand.printable(url, 200)
                    + " subscribed");
        }
    }

    @Command(name = "unsubscribe", mixinStandardHelpOptions = true,
            description = "Remove a URL from a topic's subscribers.")
    static final class Unsubscribe extends OneTopic {
        @Parameters(index = "1", paramLabel = "URL")
        String url;

        @Override
        public Integer call() {
            return change("unsubscribe", c -> c.unsubscribe(topic, url), TxCommand.printable(url, 200)
                    + " unsubscribed");
        }
    }

    @Command(name = "delete-topic", mixinStandardHelpOptions = true,
            description = "Delete a topic; messages already stored keep their branches.")
    static final class DeleteTopic extends OneTopic {
        @Override
        public Integer call() {
            return change("delete-topic", c -> c.deleteTopic(topic), "deleted");
        }
    }
}
