package dev.redsaga.server.http;

import dev.redsaga.client.testing.TestServices;

/** {@link DtmTccXaMsgTestsPortIT} on Postgres: every DTM scenario on every store. */
class DtmTccXaMsgTestsOnPostgresIT extends DtmTccXaMsgTestsPortIT {
    @Override
    protected String store() {
        TestServices.requirePostgres();
        return TestServices.POSTGRES_URL + "?user=" + TestServices.POSTGRES_USER;
    }
}
