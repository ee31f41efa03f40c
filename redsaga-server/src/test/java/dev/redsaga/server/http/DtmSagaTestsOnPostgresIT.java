package dev.redsaga.server.http;

import dev.redsaga.client.testing.TestServices;

/** {@link DtmSagaTestsPortIT} on Postgres: every DTM scenario on every store. */
class DtmSagaTestsOnPostgresIT extends DtmSagaTestsPortIT {
    @Override
    protected String store() {
        TestServices.requirePostgres();
        return TestServices.POSTGRES_URL + "?user=" + TestServices.POSTGRES_USER;
    }
}
