package dev.redsaga.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DTM's API tests (github.com/dtm-labs/dtm, test/api_test.go), run against redsaga as a black box: the coordinator
 * over HTTP, its participants scripted as DTM's test service (test/busi) answers. Each test names the Go test it
 * follows; where redsaga answers otherwise on purpose, the comment says so
 * (docs/protocol.md, "Compatibility with DTM"). The saga tests are in {@link DtmSagaTestsPortIT}, the TCC, XA and
 * message tests in {@link DtmTccXaMsgTestsPortIT}, the topic tests in {@link TopicIT}.
 */
class DtmApiTestsPortIT extends DtmPortIT {
    private void awaitEnded(String gid) {
        Await.until(Duration.ofSeconds(20), gid + " ended",
                () -> List.of("succeed", "failed").contains(status(gid)));
    }

    private JsonNode get(String routeAndQuery) throws Exception {
        HttpResponse<String> r = api.get(routeAndQuery);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return WireJson.mapper().readTree(r.body());
    }

    /** TestAPIVersion. */
    @Test
    void apiVersion() {
        assertThat(api.get("version").statusCode()).isEqualTo(200);
    }

    /** TestDtmMetrics: the figures are served (here under the coordinator's own port, DTM's is 36789 too). */
    @Test
    void dtmMetrics() {
        HttpResponse<String> r = api.send("GET", "/api/metrics", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("redsaga_");
    }

    /** TestAPIQuery; an empty gid is a 400 here (DTM: 500), one of the argued differences. */
    @Test
    void apiQuery() throws Exception {
        String gid = unique("TestAPIQuery");
        assertThat(post("submit", genMsg(gid, "")).statusCode()).isEqualTo(200);
        awaitEnded(gid);
        JsonNode m = get("query?gid=" + gid);
        assertThat(m.get("transaction").isNull()).isFalse();
        assertThat(m.get("branches")).hasSize(2);
        assertThat(api.get("query?gid=").statusCode()).isEqualTo(400);
        JsonNode none = get("query?gid=1");
        assertThat(none.get("transaction").isNull()).isTrue();
        assertThat(none.get("branches")).isEmpty();
    }

    /** TestAPIAll: pages of one with next_position, a gid alone, and the filters together. */
    @Test
    void apiAll() throws Exception {
        long startTime = System.currentTimeMillis();
        String prefix = unique("TestAPIAll");
        for (int i = 0; i < 3; i++) {
            assertThat(post("submit", genMsg(prefix + i, "")).statusCode()).isEqualTo(200);
            awaitEnded(prefix + i);
        }
        long endTime = System.currentTimeMillis();
        String nextPos = get("all?limit=1").get("next_position").asText();
        assertThat(nextPos).isNotEmpty();
        assertThat(get("all?gid=" + prefix + "1").get("transactions")).hasSize(1);
        String nextPos2 = get("all?limit=1&position=" + nextPos).get("next_position").asText();
        assertThat(nextPos2).isNotEmpty().isNotEqualTo(nextPos);
        assertThat(get("all?limit=1000&position=" + nextPos).get("next_position").asText()).isEmpty();

        JsonNode m = get("all?limit=10&status=succeed&transType=msg&createTimeStart=" + (startTime - 60_000)
                + "&createTimeEnd=" + (endTime + 60_000));
        assertThat(m.get("transactions").size()).isGreaterThanOrEqualTo(3);
        assertThat(m.get("next_position").asText()).isEmpty();
        for (JsonNode g : m.get("transactions")) {
            assertThat(g.get("trans_type").asText()).isEqualTo("msg");
            assertThat(g.get("status").asText()).isEqualTo("succeed");
        }
        m = get("all?limit=10&status=succeed&transType=msg&createTimeStart=" + (startTime - 600_000)
                + "&createTimeEnd=" + (endTime - 300_000));
        assertThat(m.get("transactions")).isEmpty();
        assertThat(m.get("next_position").asText()).isEmpty();
    }

    /** TestAPIScanKV: three topics, pages of one, then the rest. */
    @Test
    void apiScanKv() throws Exception {
        String prefix = unique("test_topic");
        for (int i = 0; i < 3; i++) {
            assertThat(api.get("subscribe?topic=" + prefix + i + "&url=http://dtm/test1").statusCode()).isEqualTo(200);
        }
        String nextPos = get("scanKV?cat=topics&limit=1").get("next_position").asText();
        assertThat(nextPos).isNotEmpty();
        String nextPos2 = get("scanKV?cat=topics&limit=1&position=" + nextPos).get("next_position").asText();
        assertThat(nextPos2).isNotEmpty().isNotEqualTo(nextPos);
        assertThat(get("scanKV?cat=topics&limit=1000&position=" + nextPos).get("next_position").asText()).isEmpty();
    }

    /** TestAPIQueryKV. */
    @Test
    void apiQueryKv() throws Exception {
        String topic = unique("test_topic_TestAPIQueryKV");
        assertThat(api.get("subscribe?topic=" + topic + "&url=http://dtm/test1").statusCode()).isEqualTo(200);
        assertThat(get("queryKV?cat=topics&key=" + topic).get("kv")).hasSize(1);
        assertThat(get("queryKV?cat=topics&key=non_existent_topic_TestAPIQueryKV").get("kv")).isEmpty();
    }

    /** TestAPIForceStoppedNormal: a saga kept submitted by an ONGOING branch, stopped by forceStop. */
    @Test
    void apiForceStoppedNormal() throws Exception {
        String gid = unique("TestAPIForceStoppedNormal");
        for (int i = 0; i < 20; i++) {
            script(gid, "TransOut", Answer.ONGOING);
        }
        post("submit", genSaga(gid, ",\"retry_interval\":1"));
        Await.until(Duration.ofSeconds(10), gid + " called", () -> !branches.calls(gid).isEmpty());
        assertThat(status(gid)).isEqualTo("submitted");
        assertThat(post("forceStop", "{\"gid\":\"" + gid + "\"}").statusCode()).isEqualTo(200);
        assertThat(status(gid)).isEqualTo("failed");
    }

    /** TestAPIForceStoppedAbnormal: forceStop of a succeeded saga is a 409. */
    @Test
    void apiForceStoppedAbnormal() throws Exception {
        String gid = unique("TestAPIForceStoppedAbnormal");
        post("submit", genSaga(gid, ""));
        awaitEnded(gid);
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(post("forceStop", "{\"gid\":\"" + gid + "\"}").statusCode()).isEqualTo(409);
    }

    /** TestAPIResetNextCronTime: on a finished saga, a 200 (nothing to retry). */
    @Test
    void apiResetNextCronTime() throws Exception {
        String gid = unique("TestAPIResetNextCronTime");
        post("submit", genSaga(gid, ""));
        awaitEnded(gid);
        assertThat(getBranchesStatus(gid)).containsExactly("prepared", "succeed", "prepared", "succeed");
        assertThat(status(gid)).isEqualTo("succeed");
        assertThat(post("resetNextCronTime", "{\"gid\":\"" + gid + "\"}").statusCode()).isEqualTo(200);
    }
}
