package dev.redsaga.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redsaga.protocol.WireJson;
import dev.redsaga.server.testing.Await;
import dev.redsaga.server.testing.CoordinatorTest;
import dev.redsaga.server.testing.ScriptedBranches.Answer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What the ports of DTM's tests (github.com/dtm-labs/dtm, {@code test/}) share: DTM's test service as scripted
 * branches (its paths, one set per transaction), its helpers (genSaga, getBranchesStatus) and DTM's
 * {@code cronTransOnce} done from outside: a transaction waiting out a long retry interval is driven again by
 * {@code resetNextCronTime}.
 */
abstract class DtmPortIT extends CoordinatorTest {
    /** How DTM's test service answers a business failure: Result2HttpJSON's {"error": ...} with 409. */
    static final Answer INSUFFICIENT_BALANCE = new Answer(409, "{\"error\":\"Insufficient balance\"}", 0);
    /** A retry interval no test waits out: the next try comes from {@link #cronTransOnce}. */
    static final String NO_RETRY_BY_ITSELF = ",\"retry_interval\":3600";

    String unique(String test) {
        return test + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The URL of DTM's test service's {@code path} for transaction {@code gid}. */
    String busi(String gid, String path) {
        return branches.url("/" + gid + "/" + path);
    }

    /** Scripts the next answers of {@code path} for {@code gid}; SUCCESS afterwards. */
    void script(String gid, String path, Answer... answers) {
        branches.script("/" + gid + "/" + path, answers);
    }

    /** DTM's genSaga: TransOut then TransIn, each with its revert, DTM's payload; {@code more} adds fields. */
    String genSaga(String gid, String more) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":[{\"action\":\"" + busi(gid, "TransOut")
                + "\",\"compensate\":\"" + busi(gid, "TransOutRevert") + "\"},{\"action\":\"" + busi(gid, "TransIn")
                + "\",\"compensate\":\"" + busi(gid, "TransInRevert") + "\"}],"
                + "\"payloads\":[\"{\\\"amount\\\":30}\",\"{\\\"amount\\\":30}\"]" + more + "}";
    }

    /** DTM's genMsg: a message to TransOut and TransIn, with its QueryPrepared. */
    String genMsg(String gid, String more) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"msg\",\"steps\":[{\"action\":\"" + busi(gid, "TransOut")
                + "\"},{\"action\":\"" + busi(gid, "TransIn") + "\"}],\"payloads\":[\"{}\",\"{}\"],"
                + "\"query_prepared\":\"" + busi(gid, "QueryPrepared") + "\"" + more + "}";
    }

    /** DTM's getBranchesStatus: each branch's undo, then its op. */
    List<String> getBranchesStatus(String gid) {
        List<String> out = new ArrayList<>();
        for (JsonNode b : query(gid).get("branches")) {
            out.add(b.get("status").asText());
        }
        return out;
    }

    JsonNode getTrans(String gid) {
        return query(gid).get("transaction");
    }

    /** Waits for {@code gid} to reach {@code status}. */
    void awaitStatus(String gid, String status) {
        Await.until(Duration.ofSeconds(20), gid + " " + status, () -> status.equals(status(gid)));
    }

    /** DTM's waitTransProcessed: waits until the transaction's drive has let it go (ended, or waiting). */
    void waitTransProcessed(String gid) {
        Await.until(Duration.ofSeconds(20), gid + " processed", () -> {
            JsonNode t = getTrans(gid);
            return !t.isNull() && (t.get("owner") == null || t.get("owner").isNull());
        });
    }

    /** DTM's cronTransOnce: the waiting transaction is driven again now; waits until it reaches {@code status}. */
    void cronTransOnce(String gid, String status) {
        HttpResponse<String> r = api.post("resetNextCronTime", "{\"gid\":\"" + gid + "\"}");
        if (r.statusCode() != 200) {
            throw new AssertionError("resetNextCronTime " + gid + ": " + r.statusCode() + " " + r.body());
        }
        awaitStatus(gid, status);
    }

    JsonNode json(HttpResponse<String> r) throws Exception {
        return WireJson.mapper().readTree(r.body());
    }
}
