package dev.redsaga.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The base of the tests of one transaction type on the wire: one {@link TestCoordinator} for the class (named after
 * it), its scripted branches, and DTM's requests sent raw.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class CoordinatorTest {
    protected TestCoordinator coordinator;
    protected ScriptedBranches branches;
    protected RawApi api;

    @BeforeAll
    void startCoordinator() throws IOException {
        coordinator = TestCoordinator.start(getClass().getSimpleName(), store());
        branches = coordinator.branches();
        api = coordinator.api();
    }

    /**
     * The store the class's coordinator runs on: an in-memory H2 database of its own; a subclass names another (the
     * same tests then run on every store).
     */
    protected String store() {
        return "h2:mem:" + getClass().getSimpleName() + "-" + java.util.UUID.randomUUID();
    }

    @AfterAll
    void stopCoordinator() {
        coordinator.close();
    }

    protected HttpResponse<String> post(String route, String body) {
        return api.post(route, body);
    }

    protected JsonNode query(String gid) {
        return coordinator.query(gid);
    }

    /** The transaction's status as the wire spells it, or null when there is no such gid. */
    protected String status(String gid) {
        return coordinator.status(gid);
    }
}
