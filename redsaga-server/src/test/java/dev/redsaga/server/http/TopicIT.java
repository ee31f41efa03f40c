package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.client.RedsagaClient;
import dev.redsaga.client.RedsagaException;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.CoordinatorTest;
import dev.redsaga.server.testing.ScriptedBranches;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * DTM's topics over HTTP, as DTM's own tests use them: subscribe, unsubscribe and delete (test/topic_test.go,
 * TestTopicNormal's HTTP half and TestConcurrentUpdateTopic), a message sent to a topic's subscribers and one sent to
 * a topic nobody subscribed to (test/msg_test.go, genMsg with AddTopic and TestMsgTopicNotFoundFailed), and the KV
 * routes the pairs are read by (queryKV, scanKV).
 */
class TopicIT extends CoordinatorTest {

    private HttpResponse<String> subscribe(String topic, String url) {
        return api.get("subscribe?topic=" + enc(topic) + "&url=" + enc(url) + "&remark=for+test");
    }

    private HttpResponse<String> unsubscribe(String topic, String url) {
        return api.get("unsubscribe?topic=" + enc(topic) + "&url=" + enc(url));
    }

    private HttpResponse<String> deleteTopic(String topic) {
        return api.send("DELETE", "/api/dtmsvr/topic/" + topic, null);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return WireJson.mapper().readTree(r.body());
    }

    private static String name(String test) {
        return test + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** TestTopicNormal: testSubscribe, testUnsubscribe, testDeleteTopic, each error DTM's test expects. */
    @Test
    void subscribeUnsubscribeAndDeleteAsDtmsTestTopicNormal() throws Exception {
        String topic = name("test_topic_TestTopicNormal");
        assertThat(subscribe(topic, "http://dtm/test1").statusCode()).isEqualTo(200);
        HttpResponse<String> again = subscribe(topic, "http://dtm/test1");
        assertThat(again.statusCode()).as("repeat subscription").isEqualTo(409);
        assertThat(again.body()).contains("this url exists");
        assertThat(subscribe("", "http://dtm/test1").statusCode()).as("empty topic").isEqualTo(400);
        assertThat(subscribe(topic, "").statusCode()).as("empty url").isEqualTo(400);
        assertThat(subscribe(topic, "http://dtm/test2").statusCode()).isEqualTo(200);

        assertThat(unsubscribe(topic, "http://dtm/test1").statusCode()).isEqualTo(200);
        assertThat(unsubscribe(topic, "http://dtm/test1").statusCode()).as("repeat unsubscription").isEqualTo(404);
        assertThat(unsubscribe("", "http://dtm/test1").statusCode()).as("empty topic").isEqualTo(400);
        assertThat(unsubscribe(topic, "").statusCode()).as("empty url").isEqualTo(400);
        HttpResponse<String> none = unsubscribe("non_existent_topic", "http://dtm/test1");
        assertThat(none.statusCode()).isEqualTo(404);
        assertThat(none.body()).contains("no such a topic");
        assertThat(unsubscribe(topic, "http://dtm/test2").statusCode()).isEqualTo(200);
        assertThat(unsubscribe(topic, "http://dtm/test2").statusCode()).isEqualTo(404);

        assertThat(deleteTopic("non_existent_testDeleteTopic").statusCode()).isEqualTo(404);
        assertThat(deleteTopic(topic).statusCode()).isEqualTo(200);
        assertThat(json(api.get("queryKV?cat=topics&key=" + topic)).get("kv")).isEmpty();
    }

    /**
     * TestConcurrentUpdateTopic: twenty subscriptions at once, then each unsubscribed; the topic's version counts
     * every change. DTM lets some of the racing subscriptions fail; here each is retried on its version, so all land.
     */
    @Test
    void concurrentSubscriptionsAllLandAndTheVersionCountsEveryChange() throws Exception {
        String topic = name("concurrent_topic_TestConcurrentUpdateTopic");
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String url = "http://dtm/test" + i;
            calls.add(CompletableFuture.supplyAsync(() -> subscribe(topic, url)));
        }
        List<String> subscribed = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            HttpResponse<String> r = calls.get(i).get();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            subscribed.add("http://dtm/test" + i);
        }
        JsonNode kv = json(api.get("queryKV?cat=topics&key=" + topic)).get("kv").get(0);
        assertThat(WireJson.mapper().readTree(kv.get("v").asText())).hasSize(20);
        for (String url : subscribed) {
            assertThat(unsubscribe(topic, url).statusCode()).isEqualTo(200);
        }
        kv = json(api.get("queryKV?cat=topics&key=" + topic)).get("kv").get(0);
        assertThat(kv.get("version").asLong()).isEqualTo(subscribed.size() * 2L);
        assertThat(kv.get("cat").asText()).isEqualTo("topics");
        assertThat(kv.get("k").asText()).isEqualTo(topic);
        assertThat(kv.get("v").asText()).isEqualTo("[]");
    }

    /**
     * genMsg: a message whose step is {@code topic://name} goes to every subscriber of the topic, each a branch of its
     * own (DTM's ids 01-01, 01-02), with the step's payload; the query shows the step as sent and the branches.
     */
    @Test
    void aMessageToATopicIsSentToEachSubscriber() throws Exception {
        String topic = name("http_trans");
        assertThat(subscribe(topic, branches.url("/t1/out")).statusCode()).isEqualTo(200);
        assertThat(subscribe(topic, branches.url("/t1/in")).statusCode()).isEqualTo(200);
        String gid = "msg-topic-" + UUID.randomUUID();
        String msg = "{\"gid\":\"" + gid + "\",\"trans_type\":\"msg\",\"steps\":[{\"action\":\"topic://" + topic
                + "\"}],\"payloads\":[\"{\\\"amount\\\":30}\"],\"query_prepared\":\"" + branches.url("/t1/qp") + "\"}";
        assertThat(post("prepare", msg).statusCode()).isEqualTo(200);
        // a subscriber coming after the prepare: the message keeps the subscribers it was stored with (as DTM)
        assertThat(subscribe(topic, branches.url("/t1/late")).statusCode()).isEqualTo(200);
        HttpResponse<String> submit = post("submit", msg);
        assertThat(submit.statusCode()).as(submit.body()).isEqualTo(200);
        Await.until(Duration.ofSeconds(10), gid + " succeed", () -> "succeed".equals(status(gid)));
        assertThat(branches.trace(gid)).containsExactly("/t1/out action", "/t1/in action");
        List<ScriptedBranches.Call> calls = branches.calls(gid);
        assertThat(calls.get(0).branchId()).isEqualTo("01-01");
        assertThat(calls.get(1).branchId()).isEqualTo("01-02");
        assertThat(calls.get(1).body()).isEqualTo("{\"amount\":30}");
        JsonNode q = query(gid);
        assertThat(q.get("transaction").get("steps").get(0).get("action").asText()).isEqualTo("topic://" + topic);
        assertThat(q.get("branches")).hasSize(2);
        assertThat(q.get("branches").get(1).get("url").asText()).isEqualTo(branches.url("/t1/in"));
    }

    /** A topic holds at most 64 subscribers (each is a branch of every message to it): the 65th is refused. */
    @Test
    void aTopicsSubscribersAreBounded() {
        String topic = name("bounded");
        for (int i = 0; i < 64; i++) {
            assertThat(subscribe(topic, "http://dtm/s" + i).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> more = subscribe(topic, "http://dtm/s64");
        assertThat(more.statusCode()).isEqualTo(409);
        assertThat(more.body()).contains("at most 64");
    }

    /** The SDK subscribes services to a topic and sends a message to it. */
    @Test
    void theSdkSendsAMessageToATopic() throws Exception {
        RedsagaClient client = RedsagaClient.builder(coordinator.server().baseUrl()).build();
        String topic = name("sdk_credit");
        client.subscribe(topic, branches.url("/sdk/credit"), "credit");
        client.subscribe(topic, branches.url("/sdk/points"), null);
        assertThat(client.topics(null, 1000).kv()).anySatisfy(kv -> assertThat(kv.k()).isEqualTo(topic));
        String gid = client.newGid();
        client.msg(gid).add("topic://" + topic, "{\"user\":1}").submit();
        Await.until(Duration.ofSeconds(10), gid + " succeed", () -> "succeed".equals(status(gid)));
        assertThat(branches.trace(gid)).containsExactly("/sdk/credit action", "/sdk/points action");
        client.unsubscribe(topic, branches.url("/sdk/points"));
        client.deleteTopic(topic);
        assertThatThrownBy(() -> client.deleteTopic(topic)).isInstanceOf(RedsagaException.class)
                .hasMessageContaining("no such a topic");
    }

    /** TestMsgTopicNotFoundFailed: a message to a topic nobody subscribed to is refused, in DTM's words. */
    @Test
    void aMessageToATopicWithoutSubscribersIsRefused() throws Exception {
        String gid = "msg-no-topic-" + UUID.randomUUID();
        HttpResponse<String> submit = post("submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"msg\",\"steps\":"
                + "[{\"action\":\"topic://non_existent_topic_TestMsgTopicNotFoundFailed\"}],\"query_prepared\":\""
                + branches.url("/qp") + "\"}");
        assertThat(submit.statusCode()).isEqualTo(400);
        assertThat(submit.body()).contains("topic not found");
        assertThat(query(gid).get("transaction").isNull()).as("nothing stored").isTrue();
        HttpResponse<String> saga = post("submit", "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":"
                + "[{\"action\":\"topic://orders\",\"compensate\":\"" + branches.url("/c") + "\"}]}");
        assertThat(saga.statusCode()).isEqualTo(400);
        assertThat(saga.body()).contains("only a msg is sent to a topic");
    }

    /** scanKV pages through the topics in name order; next_position is empty on the last page. */
    @Test
    void scanKvPagesThroughTheTopics() throws Exception {
        String prefix = name("scan");
        for (String t : List.of("c", "a", "b")) {
            assertThat(subscribe(prefix + "_" + t, "http://dtm/x").statusCode()).isEqualTo(200);
        }
        List<String> seen = new ArrayList<>();
        String position = "";
        do {
            JsonNode page = json(api.get("scanKV?cat=topics&limit=2&position=" + enc(position)));
            for (JsonNode kv : page.get("kv")) {
                seen.add(kv.get("k").asText());
            }
            position = page.get("next_position").asText();
        } while (!position.isEmpty());
        assertThat(seen.stream().filter(k -> k.startsWith(prefix)).toList())
                .containsExactly(prefix + "_a", prefix + "_b", prefix + "_c");
        assertThat(api.get("scanKV?cat=other").statusCode()).isEqualTo(400);
        assertThat(api.get("scanKV?cat=topics&limit=0").statusCode()).isEqualTo(400);
        assertThat(api.get("queryKV?cat=topics").statusCode()).as("no key").isEqualTo(400);
    }

    /**
     * A subscriber URL meets the branch URL rules, and a GET that changes a topic is refused when a browser marks it
     * as sent by a page of another site; a JSON POST does the same as DTM's GET.
     */
    @Test
    void topicChangesAreCheckedAndGuarded() throws Exception {
        String topic = name("guarded");
        HttpResponse<String> metadata = subscribe(topic, "http://169.254.169.254/latest");
        assertThat(metadata.statusCode()).isEqualTo(400);
        assertThat(metadata.body()).contains("url 'http://169.254.169.254/latest'");
        assertThat(subscribe(topic, "ftp://dtm/x").statusCode()).isEqualTo(400);
        assertThat(subscribe("a/b", "http://dtm/x").statusCode()).isEqualTo(400);
        HttpResponse<String> crossSite = api.send("GET", "/api/dtmsvr/subscribe?topic=" + topic + "&url="
                + enc("http://dtm/x"), null, "Sec-Fetch-Site", "cross-site");
        assertThat(crossSite.statusCode()).isEqualTo(403);
        assertThat(json(api.get("queryKV?cat=topics&key=" + topic)).get("kv")).isEmpty();
        HttpResponse<String> byPost = post("subscribe", "{\"topic\":\"" + topic + "\",\"url\":\"http://dtm/x\","
                + "\"remark\":\"by post\"}");
        assertThat(byPost.statusCode()).as(byPost.body()).isEqualTo(200);
        assertThat(json(api.get("queryKV?cat=topics&key=" + topic)).get("kv").get(0).get("v").asText())
                .contains("by post");
        assertThat(api.send("POST", "/api/dtmsvr/topic/" + topic, "{}").statusCode()).isEqualTo(405);
    }
}
