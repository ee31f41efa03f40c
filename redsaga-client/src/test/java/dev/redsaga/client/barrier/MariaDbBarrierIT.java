package dev.redsaga.client.barrier;

import dev.redsaga.client.testing.TestServices;

/** The barrier contract on MariaDB ({@code INSERT IGNORE}). */
class MariaDbBarrierIT extends JdbcBarrierContract {
    @Override
    String url() {
        return TestServices.MARIADB_URL + "?user=" + TestServices.MARIADB_USER;
    }

    @Override
    void requireService() {
        TestServices.requireMariaDb();
    }
}
