package dev.redsaga.server.http;

import dev.redsaga.client.testing.TestServices;

/** {@link DtmTccXaMsgTestsPortIT} on MariaDb: every DTM scenario on every store. */
class DtmTccXaMsgTestsOnMariaDbIT extends DtmTccXaMsgTestsPortIT {
    @Override
    protected String store() {
        TestServices.requireMariaDb();
        return TestServices.MARIADB_URL + "?user=" + TestServices.MARIADB_USER;
    }
}
