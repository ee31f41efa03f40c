package dev.redsaga.server.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redsaga.protocol.KvReply;
import dev.redsaga.protocol.KvView;
import dev.redsaga.protocol.TopicRequest;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.config.BranchUrlPolicy;
import dev.redsaga.server.engine.InvalidTransactionException;
import dev.redsaga.server.engine.SagaDefinition;
import dev.redsaga.server.store.KvEntry;
import dev.redsaga.server.store.StoreException;
import dev.redsaga.server.store.TransactionStore;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * DTM's topics: a named list of subscriber URLs, kept in the store as a key-value pair of category {@code topics}
 * (its value the subscribers as JSON). A message step whose action is {@code topic://name} is sent to every subscriber
 * of that topic, as the list stands when the message is stored ({@link #subscribers}). Each change is a
 * compare-and-set on the pair's version, read again when another writer came first: concurrent subscriptions all
 * land, each once.
 */
public final class TopicService {
    /** The one category of pairs this coordinator keeps. */
    public static final String CATEGORY = "topics";
    /** Subscribers one topic may have: each is a branch of every message sent to it, and a message has at most 99. */
    public static final int MAX_SUBSCRIBERS = 64;
    private static final int MAX_URL = 2_048;
    private static final int MAX_REMARK = 256;
    private static final int MAX_TRIES = 16;
    private static final TypeReference<List<Subscriber>> SUBSCRIBERS = new TypeReference<>() { };

    private final TransactionStore store;
    private final BranchUrlPolicy branches;
    private final InstantSource clock;
    private final ObjectMapper json = WireJson.mapper();

    public TopicService(TransactionStore store, BranchUrlPolicy branches, InstantSource clock) {
        this.store = store;
        this.branches = branches;
        this.clock = clock;
    }

    /** One subscriber as DTM stores it. */
    public record Subscriber(String url, String remark) {
    }

    /** Adds {@code url} to the topic's subscribers, creating the topic if it has none yet. */
    public void subscribe(TopicRequest r) {
        String topic = requireName(r.topic());
        String url = requireUrl(r.url());
        String remark = r.remark() == null ? "" : r.remark();
        if (remark.length() > MAX_REMARK || remark.chars().anyMatch(Character::isISOControl)) {
            throw RequestException.invalid("remark must be one line of at most " + MAX_REMARK + " characters");
        }
        String problem = branches.problemAtSubmit(url);
        if (problem != null) {
            throw RequestException.invalid("url '" + url + "' " + problem + "; the coordinator does not call it "
                    + "(docs/security.md: branch URLs)");
        }
        change(topic, "the subscription", current -> {
            List<Subscriber> subs = current.map(this::subscribersOf).orElseGet(ArrayList::new);
            if (subs.stream().anyMatch(s -> s.url().equals(url))) {
                throw RequestException.conflict("this url exists: " + url + " already subscribes to " + topic);
            }
            if (subs.size() >= MAX_SUBSCRIBERS) {
                throw RequestException.conflict("topic " + topic + " has " + MAX_SUBSCRIBERS + " subscribers already; "
                        + "at most " + MAX_SUBSCRIBERS + " are allowed");
            }
            subs.add(new Subscriber(url, remark));
            return subs;
        });
    }

    /** Removes {@code url} from the topic's subscribers; the topic stays, perhaps empty (as DTM keeps it). */
    public void unsubscribe(TopicRequest r) {
        String topic = requireName(r.topic());
        String url = requireUrl(r.url());
        change(topic, "the unsubscription", current -> {
            List<Subscriber> subs = current.map(this::subscribersOf)
                    .orElseThrow(() -> RequestException.notFound("no such a topic: " + topic));
            if (!subs.removeIf(s -> s.url().equals(url))) {
                throw RequestException.notFound("no such an url: " + url + " does not subscribe to " + topic);
            }
            return subs;
        });
    }

    /** Deletes a topic and its subscriptions; messages already stored keep their branches. */
    public void delete(String topicParam) {
        String topic = requireName(topicParam);
        if (!guarded(topic, "the deletion", () -> store.deleteKv(CATEGORY, topic))) {
            throw RequestException.notFound("no such a topic: " + topic);
        }
    }

    /**
     * The subscriber URLs of {@code topic}, in the order they subscribed.
     *
     * @throws RequestException INVALID with DTM's words, "topic not found", when it has none
     */
    public List<String> subscribers(String topic) {
        Optional<KvEntry> entry = SagaDefinition.isTopicName(topic)
                ? guarded(topic, "reading the topic", () -> store.findKv(CATEGORY, topic)) : Optional.empty();
        List<String> urls = entry.map(this::subscribersOf).orElseGet(List::of).stream().map(Subscriber::url).toList();
        if (urls.isEmpty()) {
            throw RequestException.invalid("topic not found: topic '" + topic + "' has no subscriber; subscribe "
                    + "one first (GET /api/dtmsvr/subscribe?topic=&url=)");
        }
        return urls;
    }

    /** DTM's {@code queryKV}: the pair {@code key} of {@code cat}, as a list of zero or one. */
    public KvReply query(String cat, String key) {
        requireCategory(cat);
        if (key == null || key.isEmpty()) {
            throw RequestException.invalid("key is required: the topic's name (scanKV lists every topic)");
        }
        Optional<KvEntry> e = SagaDefinition.isTopicName(key)
                ? guarded(key, "the query", () -> store.findKv(CATEGORY, key)) : Optional.empty();
        return new KvReply(e.map(TopicService::view).map(List::of).orElse(List.of()), null);
    }

    /** DTM's {@code scanKV}: a page of {@code cat} in key order, and where the next one starts ("" at the end). */
    public KvReply scan(String cat, String position, String limitParam) {
        requireCategory(cat);
        int limit;
        try {
            limit = limitParam == null || limitParam.isEmpty() ? 100 : Integer.parseInt(limitParam);
        } catch (NumberFormatException e) {
            throw RequestException.invalid("limit must be a number between 1 and 1000, was '" + limitParam + "'");
        }
        if (limit < 1 || limit > 1000) {
            throw RequestException.invalid("limit must be between 1 and 1000, was " + limit);
        }
        String after = position == null ? "" : position;
        TransactionStore.KvPage page = guarded(null, "the scan", () -> store.scanKv(CATEGORY, after, limit));
        return new KvReply(page.entries().stream().map(TopicService::view).toList(), page.nextPosition());
    }

    /** Reads the topic, applies {@code edit} to its subscribers, writes them back; again if another writer won. */
    private void change(String topic, String what,
            java.util.function.Function<Optional<KvEntry>, List<Subscriber>> edit) {
        for (int i = 0; i < MAX_TRIES; i++) {
            Optional<KvEntry> current = guarded(topic, what, () -> store.findKv(CATEGORY, topic));
            String value = write(edit.apply(current));
            long now = clock.millis();
            KvEntry next = current.map(e -> e.next(value, now)).orElseGet(() -> new KvEntry(CATEGORY, topic, value,
                    1, now, now));
            if (guarded(topic, what, () -> store.putKv(next))) {
                return;
            }
        }
        throw RequestException.busy("topic " + topic + " kept changing under other writers; nothing was done: send "
                + "the request again");
    }

    private List<Subscriber> subscribersOf(KvEntry e) {
        try {
            return new ArrayList<>(json.readValue(e.value(), SUBSCRIBERS));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("the stored subscribers of topic " + e.key() + " are not readable", ex);
        }
    }

    private String write(List<Subscriber> subs) {
        try {
            return json.writeValueAsString(subs);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KvView view(KvEntry e) {
        return new KvView(e.cat(), e.key(), e.value(), e.version(), Instant.ofEpochMilli(e.createdAt()).toString(),
                Instant.ofEpochMilli(e.updatedAt()).toString());
    }

    private static String requireName(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw RequestException.invalid("empty topic: give the topic's name");
        }
        if (!SagaDefinition.isTopicName(topic)) {
            String shown = topic.length() <= 40 ? topic : topic.substring(0, 40) + "...";
            throw RequestException.invalid("topic '" + shown + "' is invalid: use 1-128 of A-Z a-z 0-9 _ . : -");
        }
        return topic;
    }

    private static String requireUrl(String url) {
        if (url == null || url.isEmpty()) {
            throw RequestException.invalid("empty url: give the subscriber's URL");
        }
        if (url.length() > MAX_URL) {
            throw RequestException.invalid("url is longer than " + MAX_URL + " characters");
        }
        try {
            return SagaDefinition.checkUrl(url, "url"); // the rule of a step's URL
        } catch (InvalidTransactionException e) {
            throw RequestException.invalid(e.getMessage());
        }
    }

    private static void requireCategory(String cat) {
        if (!CATEGORY.equals(cat)) {
            throw RequestException.invalid("cat must be 'topics', the one category of pairs this coordinator keeps");
        }
    }

    private static <T> T guarded(String topic, String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (StoreException e) {
            throw RequestException.ofStore(e, what + (topic == null ? "" : " of topic " + topic), topic == null
                    ? "ask again" : "query it (GET /api/dtmsvr/queryKV?cat=topics&key=" + topic + ")");
        }
    }
}
