package dev.redsaga.server.http;

import dev.redsaga.client.testing.TestServices;

/** {@link DtmSagaTestsPortIT} on MariaDb: every DTM scenario on every store. */
class DtmSagaTestsOnMariaDbIT extends DtmSagaTestsPortIT {
    @Override
    protected String store() {
        TestServices.requireMariaDb();
        return TestServices.MARIADB_URL + "?user=" + TestServices.MARIADB_USER;
    }
}
